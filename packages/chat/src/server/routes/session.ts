// Signing up, in and out (OWNCHAT_AUTH=local), and what the page asks first: who is signed in. Sign-in failures
// are limited per account and address, and the answer never says whether the name or the password was wrong.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword, NOBODY, verifyPassword } from '../../auth/password.ts';
import { waitText } from '../../auth/rateLimiter.ts';
import type { ChatContext } from '../context.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../errors.ts';

/** Letters, digits and . _ @ + - (so an e-mail address works), starting with a letter or digit. */
const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}._@+-]{0,63}$/u;
const MIN_PASSWORD = 8;

const credentials = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 1024 } },
} as const;

type Credentials = { username: string; password: string };

const USERNAME_RULE = 'a username is 1 to 64 letters, digits and . _ @ + -, starting with a letter or digit';
const PASSWORD_RULE = 'a password has at least 8 characters';

/** Sign-in and sign-up exist with local accounts only: say what does the job instead. */
function needLocal(ctx: ChatContext): void {
  if (ctx.auth.mode === 'off') {
    throw new BadRequestError(
      'this chatbot has no accounts (OWNCHAT_AUTH=off): there is nothing to sign in to',
    );
  }
  if (ctx.auth.mode === 'header') {
    throw new BadRequestError(
      'the sign-in proxy in front of this chatbot signs people in (OWNCHAT_AUTH=header), not the chatbot',
    );
  }
}

export function checkCredentials(username: string, password: string): void {
  if (!USERNAME.test(username)) throw new BadRequestError(USERNAME_RULE);
  if (password.length < MIN_PASSWORD) throw new BadRequestError(PASSWORD_RULE);
}

async function startSession(ctx: ChatContext, req: FastifyRequest, reply: FastifyReply, userId: number) {
  const session = await ctx.auth.accounts.createSession(userId, ctx.auth.settings.sessionTtl);
  ctx.auth.setSessionCookie(req, reply, session.token, session.expiresAt);
  const user = (await ctx.auth.accounts.userById(userId))!;
  req.user = { id: user.id, name: user.name, role: user.role };
  // The CSRF token from before sign-in does not work after it: hand the page a new one.
  return ctx.auth.sessionInfo(req, reply, session.id);
}

export function sessionRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.get('/api/session', { config: { access: 'public' } }, async (req, reply) =>
    ctx.auth.sessionInfo(req, reply),
  );

  app.post<{ Body: Credentials }>(
    '/api/session/signup',
    { config: { access: 'public' }, schema: { body: credentials } },
    async (req, reply) => {
      needLocal(ctx);
      const username = req.body.username.trim();
      const { password } = req.body;
      checkCredentials(username, password);
      const wait = await ctx.auth.signups.retryAfter(req.ip);
      if (wait > 0) {
        throw new TooManyRequestsError(
          `Too many accounts were made from your address in the last hour: try again in ${waitText(wait)}.`,
          wait,
        );
      }
      await ctx.auth.signups.hit(req.ip);
      const accounts = ctx.auth.accounts;
      const mode = await accounts.signupMode();
      const first = (await accounts.userCount()) === 0;
      if (mode === 'closed' && !first) {
        throw new ForbiddenError(
          'sign-up is closed on this chatbot: ask an admin to open it or to make you an account',
        );
      }
      const user = await accounts.createUser(
        username,
        await hashPassword(password),
        mode === 'open' ? 'active' : 'pending',
      );
      if (!user) throw new ConflictError(`the name "${username}" is taken: choose another`);
      req.log.info({ user: user.name, role: user.role, status: user.status }, 'account created');
      if (user.status === 'pending') {
        return reply.code(202).send({
          pending: true,
          message: `Your account "${user.name}" is waiting for an admin to approve it. Sign in once it is approved.`,
        });
      }
      return reply.code(201).send(await startSession(ctx, req, reply, user.id));
    },
  );

  app.post<{ Body: Credentials }>(
    '/api/session',
    { config: { access: 'public' }, schema: { body: credentials } },
    async (req, reply) => {
      needLocal(ctx);
      const username = req.body.username.trim();
      const { signinPair, signinAddress } = ctx.auth;
      const pairKey = `${username.toLowerCase()}\n${req.ip}`;
      const wait = Math.max(await signinPair.retryAfter(pairKey), await signinAddress.retryAfter(req.ip));
      if (wait > 0) {
        req.log.warn({ user: username, ip: req.ip }, 'sign-in refused: too many failed attempts');
        throw new TooManyRequestsError(
          `Too many failed sign-ins: try again in ${waitText(wait)}. An admin can reset your password if you forgot it.`,
          wait,
        );
      }
      const user = await ctx.auth.accounts.userByName(username);
      const ok = await verifyPassword(req.body.password, user?.passwordHash ?? (await NOBODY));
      if (!user || !ok) {
        await signinPair.hit(pairKey);
        await signinAddress.hit(req.ip);
        req.log.warn({ user: username, ip: req.ip }, 'sign-in failed');
        throw new UnauthorizedError('Wrong username or password.');
      }
      await signinPair.reset(pairKey);
      if (user.status === 'pending') {
        throw new ForbiddenError(`Your account "${user.name}" is still waiting for an admin to approve it.`);
      }
      if (user.status === 'disabled') {
        throw new ForbiddenError(`The account "${user.name}" is disabled: ask an admin.`);
      }
      req.log.info({ user: user.name }, 'signed in');
      return startSession(ctx, req, reply, user.id);
    },
  );

  app.delete('/api/session', { config: { access: 'user' } }, async (req, reply) => {
    needLocal(ctx);
    await ctx.auth.accounts.deleteSession(req.csrfBinding);
    ctx.auth.clearSessionCookie(req, reply);
    return reply.code(204).send();
  });

  app.post('/api/session/everywhere', { config: { access: 'user' } }, async (req, reply) => {
    needLocal(ctx);
    await ctx.auth.accounts.deleteSessionsOf(req.user!.id);
    ctx.auth.clearSessionCookie(req, reply);
    req.log.info({ user: req.user!.name }, 'signed out everywhere');
    return reply.code(204).send();
  });
}
