import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { readChatConfig } from '../config.ts';
import { Account } from '../testing/account.ts';
import { openStream, readStream } from '../testing/sse.ts';
import { routeTable } from './auth.ts';
import { CSRF_MESSAGE } from './errors.ts';
import { type RunningChat, startChat } from './start.ts';

const HOUR = 3_600_000;
let clock = Date.parse('2026-11-27T09:00:00Z');
let setup: ManagerWithModels;
let manager: ManagerProcess;
let chat: RunningChat;
let dir: string;
const accounts: Account[] = [];

/** Someone at `localAddress` (127.0.0.2 is the trusted proxy; other 127.x addresses are other machines). */
const person = (localAddress?: string) => {
  const a = new Account(chat.url, { localAddress });
  accounts.push(a);
  return a;
};

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', chatty: { kind: 'chatty', parameters: { temperature: 0 } } },
    { prefix: 'accounts' },
  );
  ({ manager, dir } = setup);
  const config = readChatConfig({
    OLLAMA_HOST: manager.url,
    OWNCHAT_LISTEN: '127.0.0.1:0',
    OWNCHAT_AUTH: 'local',
    OWNCHAT_DATA: path.join(dir, 'data'),
    OWNCHAT_DEFAULT_MODEL: 'det',
    OWNCHAT_LOG_LEVEL: 'error',
    OWNCHAT_TRUSTED_PROXIES: '127.0.0.2',
    OWNCHAT_SESSION_TTL: '1h',
    OWNCHAT_GENERATIONS_PER_MINUTE: '3',
  });
  chat = await startChat(config, { now: () => clock });
});

afterAll(async () => {
  for (const a of accounts) await a.close();
  await chat?.close();
  await setup?.stop();
});

// Set up by the first tests, used by the rest.
let admin: Account;
let bob: Account;
let carol: Account;

async function approvedUser(name: string): Promise<Account> {
  const a = person();
  expect((await a.signUp(name)).status).toBe(202);
  const id = (await admin.request('GET', '/api/users')).body.users.find(
    (u: { name: string }) => u.name === name,
  ).id;
  expect((await admin.request('PATCH', `/api/users/${id}`, { status: 'active' })).status).toBe(200);
  expect((await a.signIn(name)).status).toBe(200);
  return a;
}

describe('signing up and in', () => {
  it('makes the first account an admin at once, and says so before it exists', async () => {
    admin = person();
    const before = await admin.session();
    expect(before).toMatchObject({ mode: 'local', user: null, firstAccount: true, signup: 'approval' });
    expect(before.csrfToken).toEqual(expect.any(String));
    const r = await admin.signUp('Alice', 'alice password');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ user: { name: 'Alice', role: 'admin' }, firstAccount: false });
    expect((await admin.session()).user).toMatchObject({ name: 'Alice', role: 'admin' });
  });

  it('sets the session cookie httpOnly and SameSite=Lax, Secure only when the browser came over https', async () => {
    const plain = admin.setCookies.find((c) => c.startsWith('ownchat_session='))!;
    expect(plain).toMatch(/; HttpOnly/);
    expect(plain).toMatch(/; SameSite=Lax/);
    expect(plain).toMatch(/; Path=\//);
    expect(plain).toMatch(/; Max-Age=3600/);
    expect(plain).not.toMatch(/Secure/);
    // https, as the trusted proxy reports it: Secure.
    const viaProxy = person('127.0.0.2');
    await viaProxy.signIn('Alice', 'alice password').then((r) => expect(r.status).toBe(200));
    await viaProxy.session();
    const https = { 'x-forwarded-proto': 'https' };
    await viaProxy.request(
      'POST',
      '/api/session',
      { username: 'Alice', password: 'alice password' },
      { headers: https },
    );
    expect(viaProxy.setCookies.at(-1)).toMatch(/^ownchat_session=.*; Secure/);
    // The same claim from anyone else is not believed.
    const direct = person();
    await direct.session();
    await direct.request(
      'POST',
      '/api/session',
      { username: 'Alice', password: 'alice password' },
      { headers: https },
    );
    expect(direct.setCookies.at(-1)).toMatch(/^ownchat_session=/);
    expect(direct.setCookies.at(-1)).not.toMatch(/Secure/);
  });

  it('makes later accounts wait for approval by default; they are not admins', async () => {
    bob = person();
    const r = await bob.signUp('bob');
    expect(r).toMatchObject({
      status: 202,
      body: {
        pending: true,
        message: 'Your account "bob" is waiting for an admin to approve it. Sign in once it is approved.',
      },
    });
    expect(bob.cookies.has('ownchat_session')).toBe(false);
    expect(await bob.signIn('bob')).toMatchObject({
      status: 403,
      body: { error: 'Your account "bob" is still waiting for an admin to approve it.' },
    });
    const users = (await admin.request('GET', '/api/users')).body.users;
    const pending = users.find((u: { name: string }) => u.name === 'bob');
    expect(pending).toMatchObject({ role: 'user', status: 'pending' });
    expect(await admin.request('PATCH', `/api/users/${pending.id}`, { status: 'active' })).toMatchObject({
      status: 200,
      body: { name: 'bob', role: 'user', status: 'active' },
    });
    expect((await bob.signIn('bob')).body.user).toMatchObject({ name: 'bob', role: 'user' });
  });

  it('opens sign-up to everyone, closes it, and refuses taken names and bad ones with the rule', async () => {
    expect((await admin.request('PUT', '/api/users/signup', { signup: 'open' })).status).toBe(200);
    carol = person();
    expect((await carol.signUp('carol')).body.user).toMatchObject({ name: 'carol', role: 'user' });
    const other = person();
    expect(await other.signUp('CAROL')).toMatchObject({
      status: 409,
      body: { error: 'the name "CAROL" is taken: choose another' },
    });
    expect((await other.signUp('x y')).body.error).toMatch(/^a username is 1 to 64 letters/);
    expect(await other.signUp('dave', 'short')).toMatchObject({
      status: 400,
      body: { error: 'a password has at least 8 characters' },
    });
    expect((await admin.request('PUT', '/api/users/signup', { signup: 'closed' })).status).toBe(200);
    expect(await other.signUp('dave')).toMatchObject({
      status: 403,
      body: { error: 'sign-up is closed on this chatbot: ask an admin to open it or to make you an account' },
    });
    expect((await other.session()).signup).toBe('closed');
    expect((await admin.request('PUT', '/api/users/signup', { signup: 'approval' })).status).toBe(200);
  });

  it('says "wrong username or password" alike for a wrong password and for no such user', async () => {
    const p = person();
    expect(await p.signIn('bob', 'not the password')).toMatchObject({
      status: 401,
      body: { error: 'Wrong username or password.' },
    });
    expect((await p.signIn('nobody-here', 'whatever it is')).body).toEqual({
      error: 'Wrong username or password.',
    });
  });
});

describe('who may use what', () => {
  it('refuses every route but the public ones to someone not signed in', async () => {
    const stranger = person();
    await stranger.session();
    const routes = routeTable(chat.app);
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes.filter((x) => x.access !== 'public')) {
      const res = await stranger.request(
        r.method,
        r.url.replace(/:\w+/g, '1'),
        r.method === 'GET' ? undefined : {},
      );
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
      expect(res.body.error, `${r.method} ${r.url}`).toMatch(/^sign in first/);
    }
    expect(
      routes
        .filter((r) => r.access === 'public')
        .map((r) => `${r.method} ${r.url}`)
        .sort(),
    ).toEqual(['GET /api/session', 'POST /api/session', 'POST /api/session/signup']);
  });

  it('refuses every admin route to a user who is not an admin (pulling and deleting models among them)', async () => {
    const adminRoutes = routeTable(chat.app).filter((r) => r.access === 'admin');
    expect(adminRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'POST /api/models/pull',
        'DELETE /api/models/:name',
        'GET /api/users',
        'GET /api/status',
        'GET /api/usage',
        'GET /api/usage.csv',
      ]),
    );
    for (const r of adminRoutes) {
      const res = await bob.request(
        r.method,
        r.url.replace(':name', 'det').replace(/:\w+/g, '1'),
        r.method === 'GET' ? undefined : { model: 'det' },
      );
      expect(res.status, `${r.method} ${r.url}`).toBe(403);
      expect(res.body.error).toMatch(/^only an admin may do this/);
    }
    // Everyone chooses among the local models; the model is still there.
    const models = (await bob.request('GET', '/api/models')).body.models.map((m: { name: string }) => m.name);
    expect(models).toContain('det:latest');
  });

  it('refuses every request that changes something without the CSRF token of this session', async () => {
    const changing = routeTable(chat.app).filter((r) => r.method !== 'GET');
    expect(changing.length).toBeGreaterThan(10);
    const othersToken = carol.csrf!;
    for (const r of changing) {
      const route = r.url.replace(/:\w+/g, '1');
      for (const csrf of [false, othersToken, 'made-up-token'] as const) {
        // An admin, so that no route refuses for want of a role first.
        const res = await admin.request(r.method, route, {}, { csrf });
        expect(res.status, `${r.method} ${r.url} with ${csrf}`).toBe(403);
        expect(res.body.error).toBe(CSRF_MESSAGE);
      }
    }
    // A token from before sign-in does not work after it either.
    const p = person();
    const anonymous = (await p.session()).csrfToken!;
    await p.signIn('carol');
    expect((await p.request('POST', '/api/conversations', {}, { csrf: anonymous })).status).toBe(403);
    const made = await p.request('POST', '/api/conversations', {});
    expect(made.status).toBe(201);
    expect((await p.request('DELETE', `/api/conversations/${made.body.id}`)).status).toBe(204);
  });
});

describe('conversations are private', () => {
  it("answers 404 through every route that takes an id of another user's conversation or answer", async () => {
    const own: Conversation = (await bob.request('POST', '/api/conversations', { model: 'det' })).body;
    const asked = await readStream(
      `${chat.url}/api/conversations/${own.id}/messages`,
      { content: 'Secret plans' },
      bob.headers(),
    );
    const answer = asked.events.find((e) => e.event === 'done')!.data.answer as Message;
    expect(answer.content).toBe(DETERMINISTIC_ANSWER);
    // An answer being written, for the Stop route.
    const talking: Conversation = (await bob.request('POST', '/api/conversations', { model: 'chatty' })).body;
    const stream = await openStream(
      `${chat.url}/api/conversations/${talking.id}/messages`,
      { content: 'Talk.' },
      bob.headers(),
    );
    const running = (await stream.until((e) => e.event === 'start')).data.answer as Message;
    // An image on bob's question (put in the database: det cannot read images, so the API would refuse it).
    const question = asked.events.find((e) => e.event === 'start')!.data.question as Message;
    const image = await chat.store.db
      .insertInto('message_images')
      .values({ message_id: question.id, position: 0, type: 'image/png', bytes: 3, data: Buffer.from('png') })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await bob.request('GET', `/api/images/${image.id}`)).status).toBe(200);

    // Each route with an id, called by carol with bob's: the table must name every such route there is.
    const attempts: Record<string, { path: string; body?: unknown }> = {
      'GET /api/conversations/:id': { path: `/api/conversations/${own.id}` },
      'PATCH /api/conversations/:id': { path: `/api/conversations/${own.id}`, body: { title: 'mine now' } },
      'DELETE /api/conversations/:id': { path: `/api/conversations/${own.id}` },
      'POST /api/conversations/:id/messages': {
        path: `/api/conversations/${own.id}/messages`,
        body: { content: 'Hi' },
      },
      'POST /api/conversations/:id/regenerate': {
        path: `/api/conversations/${own.id}/regenerate`,
        body: { answer: answer.id },
      },
      'POST /api/messages/:id/stop': { path: `/api/messages/${running.id}/stop`, body: {} },
      'GET /api/messages/:id/events': { path: `/api/messages/${running.id}/events` },
      'GET /api/images/:id': { path: `/api/images/${image.id}` },
    };
    const withIds = routeTable(chat.app)
      .filter((r) => r.access === 'user' && r.url.includes('/:'))
      .map((r) => `${r.method} ${r.url}`);
    expect(withIds.sort()).toEqual(Object.keys(attempts).sort());
    for (const [route, { path: p, body }] of Object.entries(attempts)) {
      const res = await carol.request(route.split(' ')[0]!, p, body);
      expect(res.status, route).toBe(404);
      expect(res.body.error, route).toMatch(
        /^there is no (conversation|answer|image) \d+|is not being written/,
      );
    }
    // Nothing changed: bob's conversation, its messages and the answer being written are as they were.
    const after = (await bob.request('GET', `/api/conversations/${own.id}`)).body;
    expect(after.conversation.title).toBe('Secret plans');
    expect(after.messages.map((m: Message) => m.content)).toEqual(['Secret plans', DETERMINISTIC_ANSWER]);
    expect(stream.events.some((e) => e.event === 'done')).toBe(false);
    expect((await bob.request('POST', `/api/messages/${running.id}/stop`, {})).status).toBe(204);
    await stream.finished;

    // Lists and search show only one's own.
    const carolsList = (await carol.request('GET', '/api/conversations?q=Secret')).body.conversations;
    expect(carolsList).toEqual([]);
    expect((await carol.request('GET', '/api/conversations')).body.conversations).toEqual([]);
    const bobsList = (await bob.request('GET', '/api/conversations?q=Secret')).body.conversations;
    expect(bobsList.map((c: Conversation) => c.id)).toEqual([own.id]);
  });
});

describe('limits', () => {
  it('limits answers per user per minute, saying when to try again', async () => {
    const dave = await approvedUser('dave');
    const c: Conversation = (await dave.request('POST', '/api/conversations', { model: 'det' })).body;
    for (let i = 0; i < 3; i++) {
      const s = await readStream(
        `${chat.url}/api/conversations/${c.id}/messages`,
        { content: `Q${i}` },
        dave.headers(),
      );
      expect(s.events.at(-1)!.event).toBe('done');
    }
    const refused = await dave.request('POST', `/api/conversations/${c.id}/messages`, { content: 'Q3' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(
      /^You have started 3 answers in the last minute, the most allowed: try again in (\d+ seconds|1 minute)\.$/,
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The question was not stored; another user is not held back.
    expect((await dave.request('GET', `/api/conversations/${c.id}`)).body.messages).toHaveLength(6);
    const carols: Conversation = (await carol.request('POST', '/api/conversations', { model: 'det' })).body;
    const s = await readStream(
      `${chat.url}/api/conversations/${carols.id}/messages`,
      { content: 'Hi' },
      carol.headers(),
    );
    expect(s.events.at(-1)!.event).toBe('done');
    clock += 61_000;
    const later = await readStream(
      `${chat.url}/api/conversations/${c.id}/messages`,
      { content: 'Q3' },
      dave.headers(),
    );
    expect(later.events.at(-1)!.event).toBe('done');
  });

  it('limits failed sign-ins per account and address, and per address across accounts', async () => {
    const attacker = person('127.0.0.3');
    for (let i = 0; i < 5; i++) expect((await attacker.signIn('bob', `guess ${i}!!`)).status).toBe(401);
    // Even the right password is refused now, without being checked.
    const locked = await attacker.signIn('bob');
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe(
      'Too many failed sign-ins: try again in 15 minutes. An admin can reset your password if you forgot it.',
    );
    expect(Number(locked.headers.get('retry-after'))).toBe(900);
    // bob himself, from his own address, is not locked out; a forged X-Forwarded-For does not free the attacker.
    expect((await person('127.0.0.4').signIn('bob')).status).toBe(200);
    const forged = await attacker.request(
      'POST',
      '/api/session',
      { username: 'bob', password: 'correct horse' },
      {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      },
    );
    expect(forged.status).toBe(429);
    // Spraying many accounts from one address: 20 failures, then that address waits, for every account.
    const sprayer = person('127.0.0.5');
    for (let i = 0; i < 20; i++) await sprayer.signIn(`user${i}`, 'password1');
    expect((await sprayer.signIn('carol')).status).toBe(429);
    clock += 15 * 60_000 + 1000;
    expect((await attacker.signIn('bob')).status).toBe(200);
    expect((await sprayer.signIn('carol')).status).toBe(200);
  });

  it('limits sign-ups per address to 10 an hour', async () => {
    const flood = person('127.0.0.6');
    for (let i = 0; i < 10; i++) expect((await flood.signUp(`flood${i}`)).status).toBe(202);
    const refused = await flood.signUp('flood10');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe(
      'Too many accounts were made from your address in the last hour: try again in 60 minutes.',
    );
    expect((await person('127.0.0.7').signUp('elsewhere')).status).toBe(202);
  });
});

describe('sessions end', () => {
  it('signing out ends that session only; signing out everywhere ends them all', async () => {
    const laptop = person();
    const phone = person();
    await laptop.signIn('carol');
    await phone.signIn('carol');
    const stolen = new Map(laptop.cookies);
    expect((await laptop.request('DELETE', '/api/session')).status).toBe(204);
    expect(laptop.cookies.has('ownchat_session')).toBe(false);
    // The old cookie, replayed, is refused; the phone is still signed in.
    const replay = person();
    for (const [k, v] of stolen) replay.cookies.set(k, v);
    expect((await replay.request('GET', '/api/conversations')).status).toBe(401);
    expect((await phone.request('GET', '/api/conversations')).status).toBe(200);
    await laptop.signIn('carol');
    expect((await phone.request('POST', '/api/session/everywhere', {})).status).toBe(204);
    expect((await phone.request('GET', '/api/conversations')).status).toBe(401);
    expect((await laptop.request('GET', '/api/conversations')).status).toBe(401);
    expect((await laptop.session()).user).toBeNull();
  });

  it('disabling a user, resetting their password or deleting them signs them out at once', async () => {
    const erin = await approvedUser('erin');
    const id = (await erin.session()).user!.id;
    expect((await admin.request('PATCH', `/api/users/${id}`, { status: 'disabled' })).status).toBe(200);
    expect((await erin.request('GET', '/api/conversations')).status).toBe(401);
    expect(await erin.signIn('erin')).toMatchObject({
      status: 403,
      body: { error: 'The account "erin" is disabled: ask an admin.' },
    });
    await admin.request('PATCH', `/api/users/${id}`, { status: 'active' });
    expect((await erin.signIn('erin')).status).toBe(200);
    const c: Conversation = (await erin.request('POST', '/api/conversations', { title: 'mine' })).body;

    expect(
      (await admin.request('POST', `/api/users/${id}/password`, { password: 'a new password' })).status,
    ).toBe(204);
    expect((await erin.request('GET', '/api/conversations')).status).toBe(401);
    expect((await erin.signIn('erin')).status).toBe(401);
    expect((await erin.signIn('erin', 'a new password')).status).toBe(200);

    expect((await admin.request('DELETE', `/api/users/${id}`)).status).toBe(204);
    expect((await erin.request('GET', `/api/conversations/${c.id}`)).status).toBe(401);
    expect(await chat.store.getConversation('anyone', c.id)).toBeUndefined();
    expect((await admin.request('DELETE', `/api/users/${id}`)).status).toBe(404);
  });

  it('keeps an admin: the last one cannot be demoted, disabled or deleted', async () => {
    const me = (await admin.session()).user!.id;
    const refusals = [
      admin.request('PATCH', `/api/users/${me}`, { role: 'user' }),
      admin.request('PATCH', `/api/users/${me}`, { status: 'disabled' }),
      admin.request('DELETE', `/api/users/${me}`),
    ];
    for (const r of await Promise.all(refusals)) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatch(/^"Alice" is the only admin: make someone else an admin before you/);
    }
    const bobId = (await bob.session()).user!.id;
    expect((await admin.request('PATCH', `/api/users/${bobId}`, { role: 'admin' })).body.role).toBe('admin');
    expect((await bob.request('GET', '/api/users')).status).toBe(200);
    expect((await admin.request('PATCH', `/api/users/${me}`, { role: 'user' })).body.role).toBe('user');
    expect((await admin.request('GET', '/api/users')).status).toBe(403);
  });

  it('expires a session after OWNCHAT_SESSION_TTL (the clock moves, nothing waits)', async () => {
    const p = person();
    await p.signIn('carol');
    clock += HOUR - 60_000;
    expect((await p.request('GET', '/api/conversations')).status).toBe(200);
    clock += 2 * 60_000;
    const expired = await p.request('GET', '/api/conversations');
    expect(expired).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^sign in first/) } });
    expect((await p.signIn('carol')).status).toBe(200);
  });
});
