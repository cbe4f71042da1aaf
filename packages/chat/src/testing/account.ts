// One person's side of the chatbot's API in tests, over real HTTP: their cookies (kept as a browser keeps them), the
// CSRF token the page would send, and optionally the local address they connect from (127.0.0.2 is another
// machine as far as the chatbot can tell, or the trusted proxy).

import { Agent, fetch } from 'undici';
import type { SessionInfo } from '../api.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields of many response shapes, and assert them
export type Reply = { status: number; body: any; headers: Headers };

export class Account {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header received, as sent. */
  readonly setCookies: string[] = [];
  csrf: string | null = null;
  private readonly agent: Agent;

  constructor(
    readonly base: string,
    opts: { localAddress?: string } = {},
  ) {
    this.agent = new Agent(opts.localAddress ? { localAddress: opts.localAddress } : {});
  }

  /** A request as the page makes it: cookies, and the CSRF token on anything but GET unless `csrf` is false. */
  async request(
    method: string,
    route: string,
    body?: unknown,
    opts: { headers?: Record<string, string>; csrf?: boolean | string } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookies.size) headers.cookie = this.headers().cookie!;
    const token = typeof opts.csrf === 'string' ? opts.csrf : opts.csrf === false ? null : this.csrf;
    if (method !== 'GET' && token) headers['x-csrf-token'] = token;
    const res = await fetch(`${this.base}${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair, ...attrs] = c.split(';');
      const [name, ...value] = pair!.split('=');
      const gone = attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (gone || value.join('=') === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // An event stream or a page: the text as it is.
    }
    return { status: res.status, body: parsed, headers: res.headers as unknown as Headers };
  }

  /** The headers that make a request this person's, for streams read with testing/sse.ts. */
  headers(): Record<string, string> {
    return {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      ...(this.csrf && { 'x-csrf-token': this.csrf }),
    };
  }

  /** Reads who is signed in, and takes the CSRF token the page would use. */
  async session(): Promise<SessionInfo> {
    const r = await this.request('GET', '/api/session');
    this.csrf = r.body.csrfToken;
    return r.body;
  }

  /** Signs up as the sign-in screen does: with the token of the session it just read. */
  async signUp(username: string, password = 'correct horse'): Promise<Reply> {
    await this.session();
    const r = await this.request('POST', '/api/session/signup', { username, password });
    if (r.body?.csrfToken) this.csrf = r.body.csrfToken;
    return r;
  }

  async signIn(username: string, password = 'correct horse'): Promise<Reply> {
    await this.session();
    const r = await this.request('POST', '/api/session', { username, password });
    if (r.body?.csrfToken) this.csrf = r.body.csrfToken;
    return r;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
