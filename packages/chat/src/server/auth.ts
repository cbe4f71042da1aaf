// Who is asking, and may they: every request gets its user (from the session cookie, or from a trusted proxy's
// header), every request that changes something must carry the page's CSRF token, and every route states who may
// use it (config.access: public, user or admin; a route that does not say is refused at start-up). With
// OWNCHAT_AUTH=off there is one user, an admin who sees every conversation, and none of this applies.
import net from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthMode, SessionInfo, User } from '../api.ts';
import { RateLimiter, waitText } from '../auth/rateLimiter.ts';
import type { ChatConfig } from '../config.ts';
import type { AccountStore } from '../db/accountStore.ts';
import type { Owner } from '../db/chatStore.ts';
import { BadRequestError, ForbiddenError, TooManyRequestsError, UnauthorizedError } from './errors.ts';

export type Access = 'public' | 'user' | 'admin';
export type RequestUser = Pick<User, 'id' | 'name' | 'role'>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may use the route: anyone, any signed-in user, or admins. Every /api route must say. */
    access?: Access;
  }
  interface FastifyRequest {
    user: RequestUser | null;
    /** The session's key (local mode) or the user's name (header mode): what the CSRF token is bound to. */
    csrfBinding: string;
  }
}

export const SESSION_COOKIE = 'ownchat_session';
const CSRF_COOKIE = 'ownchat_csrf';
const SIGNIN_WINDOW_MS = 15 * 60_000;
const SIGNUPS_PER_HOUR = 10;
/** With OWNCHAT_AUTH=off: the one user, who may do everything and sees every conversation. */
const ONLY_USER: RequestUser = { id: 0, name: '', role: 'admin' };

export type AuthSettings = Pick<
  ChatConfig,
  'auth' | 'trustedProxies' | 'authHeader' | 'sessionTtl' | 'signinAttempts' | 'generationsPerMinute'
>;

/** Matches the immediate peer of a connection against OWNCHAT_TRUSTED_PROXIES. */
function proxyMatcher(entries: string[]): (address: string | undefined) => boolean {
  const list = new net.BlockList();
  for (const e of entries) {
    const [address, prefix] = e.split('/') as [string, string | undefined];
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    if (!address) return false;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const a = v4 ?? address;
    return list.check(a, net.isIP(a) === 6 ? 'ipv6' : 'ipv4');
  };
}

export class Auth {
  readonly signinPair: RateLimiter;
  readonly signinAddress: RateLimiter;
  readonly generations: RateLimiter;
  /** Sign-ups per address: each costs a password hash, and a flood would bury the admins in pending accounts. */
  readonly signups: RateLimiter;
  readonly fromTrustedProxy: (address: string | undefined) => boolean;

  constructor(
    readonly settings: AuthSettings,
    readonly accounts: AccountStore,
    readonly now: () => number,
  ) {
    // In the database, so that every replica counts every hit.
    const db = accounts.db;
    this.signinPair = new RateLimiter(db, 'signin', settings.signinAttempts, SIGNIN_WINDOW_MS, now);
    this.signinAddress = new RateLimiter(
      db,
      'signin-address',
      settings.signinAttempts * 4,
      SIGNIN_WINDOW_MS,
      now,
    );
    this.generations = new RateLimiter(db, 'answers', settings.generationsPerMinute, 60_000, now);
    this.signups = new RateLimiter(db, 'signup', SIGNUPS_PER_HOUR, 3_600_000, now);
    this.fromTrustedProxy = proxyMatcher(settings.trustedProxies);
  }

  get mode(): AuthMode {
    return this.settings.auth;
  }

  /** Whose conversations this request may see. */
  owner(req: FastifyRequest): Owner {
    if (this.mode === 'off') return 'anyone';
    if (!req.user) throw new UnauthorizedError('sign in first');
    return req.user.id;
  }

  /** Counts an answer about to start against the user's limit; throws 429 when it is spent. */
  async countGeneration(req: FastifyRequest): Promise<void> {
    if (this.mode === 'off' || !req.user) return;
    const key = String(req.user.id);
    const wait = await this.generations.retryAfter(key);
    if (wait > 0) {
      throw new TooManyRequestsError(
        `You have started ${this.generations.limit} answers in the last minute, the most allowed: try again in ${waitText(wait)}.`,
        wait,
      );
    }
    await this.generations.hit(key);
  }

  /** Sets the session cookie: httpOnly, SameSite=Lax, Secure when the browser came over https. */
  setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, expiresAt: number): void {
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: req.protocol === 'https',
      maxAge: Math.max(1, Math.floor((expiresAt - this.now()) / 1000)),
    });
  }

  clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: req.protocol === 'https',
    });
  }

  /** What the page needs to know: who is signed in, a CSRF token for them, and how sign-up works. */
  async sessionInfo(
    req: FastifyRequest,
    reply: FastifyReply,
    binding = req.csrfBinding,
  ): Promise<SessionInfo> {
    const signup = await this.accounts.signupMode();
    if (this.mode === 'off') {
      return { mode: 'off', user: ONLY_USER, csrfToken: null, signup, firstAccount: false };
    }
    const csrfToken = reply.generateCsrf({ userInfo: binding, secure: req.protocol === 'https' } as never);
    return {
      mode: this.mode,
      user: req.user,
      csrfToken,
      signup,
      firstAccount: (await this.accounts.userCount()) === 0,
    };
  }

  /** Finds the request's user: from the session cookie (local), or the trusted proxy's header (header). */
  async identify(req: FastifyRequest): Promise<void> {
    req.user = null;
    req.csrfBinding = ANONYMOUS;
    if (!req.url.startsWith('/api/')) return;
    if (this.mode === 'off') {
      req.user = ONLY_USER;
      return;
    }
    if (this.mode === 'header') {
      // The header counts only from the proxy itself: from anyone else it is a forgery, and ignored.
      const raw = req.headers[this.settings.authHeader];
      const name = (Array.isArray(raw) ? raw[0] : raw)?.trim();
      if (!name || !this.fromTrustedProxy(req.socket.remoteAddress)) return;
      if (name.length > 200) {
        throw new BadRequestError(
          `the sign-in proxy named a user with ${name.length} characters: at most 200 work`,
        );
      }
      const user =
        (await this.accounts.userByName(name)) ?? (await this.accounts.createUser(name, null, 'active'));
      // A name taken in the same instant by a parallel first request: read it again.
      const known = user ?? (await this.accounts.userByName(name));
      if (!known) return;
      if (known.status !== 'active') {
        throw new ForbiddenError(`the account "${known.name}" is disabled on this chatbot: ask an admin`);
      }
      req.user = { id: known.id, name: known.name, role: known.role };
      req.csrfBinding = `user:${known.id}`;
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await this.accounts.sessionUser(token);
    if (!session) return;
    req.user = { id: session.user.id, name: session.user.name, role: session.user.role };
    req.csrfBinding = session.id;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What the CSRF token of a browser that is not signed in is bound to (the library wants a non-empty string). */
const ANONYMOUS = 'anonymous';

/** Every route the app registered, with who may use it: the route-table tests walk it. */
export type RouteEntry = { method: string; url: string; access: Access };
const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();
export const routeTable = (app: FastifyInstance): RouteEntry[] => routeTables.get(app) ?? [];

/** Cookies, CSRF, the user of each request and the access rule of each route. Call before adding routes. */
export async function registerAuth(app: FastifyInstance, auth: Auth, secret: string): Promise<void> {
  const table: RouteEntry[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (!url.startsWith('/api/')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`route ${route.method} ${url} does not say who may use it (config.access)`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url, access });
  });

  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true },
    // A token made for one session does not work for another, nor before sign-in for after it.
    getUserInfo: (req: FastifyRequest) => req.csrfBinding,
    csrfOpts: { hmacKey: secret },
    getToken: (req: FastifyRequest) => req.headers['x-csrf-token'] as string | undefined,
  });
  app.decorateRequest('user', null);
  app.decorateRequest('csrfBinding', ANONYMOUS);

  app.addHook('onRequest', async (req) => {
    await auth.identify(req);
  });
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access;
    if (!access || access === 'public') return;
    if (!req.user) {
      throw new UnauthorizedError(
        auth.mode === 'header'
          ? 'this request did not come through the sign-in proxy in front of the chatbot: open the chatbot through it'
          : 'sign in first (your session may have expired or been signed out)',
      );
    }
    if (access === 'admin' && req.user.role !== 'admin') {
      throw new ForbiddenError(`only an admin may do this (${req.method} ${req.url.split('?')[0]})`);
    }
  });
  // After the access check: a browser whose session has ended hears 401 (and shows the sign-in), not a CSRF
  // complaint about a token bound to that session.
  app.addHook('onRequest', (req, reply, done) => {
    if (auth.mode === 'off' || SAFE_METHODS.has(req.method) || !req.url.startsWith('/api/')) return done();
    // Replies 403 itself when the token is missing or wrong.
    app.csrfProtection(req, reply, done);
  });
}
