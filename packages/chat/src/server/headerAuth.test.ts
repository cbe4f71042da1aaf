// OWNCHAT_AUTH=header over real HTTP: the user a trusted proxy names is signed in (created on first sight, the first
// one an admin); the same header from any other address is a forgery and is ignored. The "proxy" is a real nginx
// that connects from 127.0.0.2 (proxy_bind), the one address OWNCHAT_TRUSTED_PROXIES lists; everyone else here
// connects from 127.0.0.1.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Nginx, startNginx } from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readChatConfig } from '../config.ts';
import { Account } from '../testing/account.ts';
import { type RunningChat, startChat } from './start.ts';

let chat: RunningChat;
let nginx: Nginx;
let dir: string;
const accounts: Account[] = [];
const at = (base: string) => {
  const a = new Account(base);
  accounts.push(a);
  return a;
};

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-header-auth-'));
  chat = await startChat(
    readChatConfig({
      OLLAMA_HOST: '127.0.0.1:9',
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_AUTH: 'header',
      OWNCHAT_TRUSTED_PROXIES: '127.0.0.2',
      OWNCHAT_DATA: dir,
      OWNCHAT_LOG_LEVEL: 'error',
    }),
  );
  // As oauth2-proxy does after signing someone in: it sets the user header itself, whatever the browser sent. Here
  // the browser's X-Test-Identity stands for the identity provider's answer.
  nginx = await startNginx(chat.url, {
    location: ['proxy_bind 127.0.0.2;', 'proxy_set_header X-Forwarded-User $http_x_test_identity;'],
  });
});

afterAll(async () => {
  for (const a of accounts) await a.close();
  await nginx?.stop();
  await chat?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

it('signs in whom the trusted proxy names: the first is the admin, the next is not', async () => {
  const alice = at(nginx.url);
  const info = await alice.request('GET', '/api/session', undefined, {
    headers: { 'x-test-identity': 'alice' },
  });
  expect(info.body).toMatchObject({ mode: 'header', user: { name: 'alice', role: 'admin' } });
  const bob = at(nginx.url);
  const bobs = { 'x-test-identity': 'bob@example.com' };
  expect((await bob.request('GET', '/api/session', undefined, { headers: bobs })).body.user).toMatchObject({
    name: 'bob@example.com',
    role: 'user',
  });
  // Requests that change something still need the CSRF token, bound to the user.
  bob.csrf = (await bob.request('GET', '/api/session', undefined, { headers: bobs })).body.csrfToken;
  expect((await bob.request('POST', '/api/conversations', {}, { headers: bobs })).status).toBe(201);
  expect((await bob.request('POST', '/api/conversations', {}, { headers: bobs, csrf: false })).status).toBe(
    403,
  );
  expect((await bob.request('GET', '/api/users', undefined, { headers: bobs })).status).toBe(403);
  // Sign-in and sign-up are the proxy's job here.
  expect(
    (await bob.request('POST', '/api/session', { username: 'bob', password: 'whatever1' }, { headers: bobs }))
      .body,
  ).toEqual({
    error:
      'the sign-in proxy in front of this chatbot signs people in (OWNCHAT_AUTH=header), not the chatbot',
  });
});

it('ignores the header from anyone but the trusted proxy', async () => {
  const forger = at(chat.url);
  const forged = { 'x-forwarded-user': 'alice' };
  const info = await forger.request('GET', '/api/session', undefined, { headers: forged });
  expect(info.body).toMatchObject({ mode: 'header', user: null });
  const r = await forger.request('GET', '/api/conversations', undefined, { headers: forged });
  expect(r.status).toBe(401);
  expect(r.body.error).toBe(
    'this request did not come through the sign-in proxy in front of the chatbot: open the chatbot through it',
  );
  // Nobody was created for a forged name either.
  await forger.request('GET', '/api/session', undefined, { headers: { 'x-forwarded-user': 'mallory' } });
  expect(await chat.store.db.selectFrom('users').select('name').execute()).toEqual([
    { name: 'alice' },
    { name: 'bob@example.com' },
  ]);
});

it('refuses a user an admin disabled, even when the proxy names them', async () => {
  const alice = at(nginx.url);
  const as = { 'x-test-identity': 'alice' };
  alice.csrf = (await alice.request('GET', '/api/session', undefined, { headers: as })).body.csrfToken;
  const users = (await alice.request('GET', '/api/users', undefined, { headers: as })).body.users;
  const bob = users.find((u: { name: string }) => u.name === 'bob@example.com');
  expect(
    (await alice.request('PATCH', `/api/users/${bob.id}`, { status: 'disabled' }, { headers: as })).status,
  ).toBe(200);
  const refused = await at(nginx.url).request('GET', '/api/conversations', undefined, {
    headers: { 'x-test-identity': 'bob@example.com' },
  });
  expect(refused).toMatchObject({
    status: 403,
    body: { error: 'the account "bob@example.com" is disabled on this chatbot: ask an admin' },
  });
});
