// Two chatbot processes (`ownchat chat`, as deployed) on one real PostgreSQL: a session made on one works on the
// other (sessions and the CSRF key are in the database), failed sign-ins count across both, an answer written by
// one is followed from the other and stopped from it, and when the writer is killed mid-answer the other marks the
// answer cut off, with what had arrived, once the writer's lease has run out.
import {
  type ManagerWithModels,
  type OwnchatProcess,
  type Postgres,
  startManagerWithModels,
  startOwnchatProcess,
  startPostgres,
} from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { LEASE_MS } from '../db/chatStore.ts';
import { Account } from '../testing/account.ts';
import { openStream } from '../testing/sse.ts';
import { INTERRUPTED } from './start.ts';

let setup: ManagerWithModels;
let pg: Postgres;
let a: OwnchatProcess | undefined;
let b: OwnchatProcess | undefined;
let databaseUrl: string;

const replica = () =>
  startOwnchatProcess(['chat'], {
    env: {
      OLLAMA_HOST: setup.manager.url,
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_AUTH: 'local',
      OWNCHAT_SIGNIN_ATTEMPTS: '2',
      DATABASE_URL: databaseUrl,
    },
    ready: /ownchat chatbot: open (http:\/\/\S+)/,
  });

beforeAll(async () => {
  [setup, pg] = await Promise.all([
    startManagerWithModels(
      { chatty: { kind: 'chatty', parameters: { temperature: 0 } } },
      { prefix: 'replicas' },
    ),
    startPostgres(),
  ]);
  databaseUrl = await pg.createDatabase();
  // Two replicas starting together on an empty database: one migrates it, the other waits for the lock.
  [a, b] = await Promise.all([replica(), replica()]);
}, 180_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await setup?.stop();
  await pg?.stop();
});

/** The same browser talking to another replica: its cookies and CSRF token, another base URL. */
function sameBrowser(on: Account, base: string): Account {
  const other = new Account(base);
  for (const [k, v] of on.cookies) other.cookies.set(k, v);
  other.csrf = on.csrf;
  return other;
}

it('signs in on one replica and goes on on the other; failed sign-ins count on both', async () => {
  const onA = new Account(a!.match[1]!);
  expect((await onA.signUp('ann')).status).toBe(201);
  const onB = sameBrowser(onA, b!.match[1]!);
  expect((await onB.session()).user?.name).toBe('ann');
  // A change on B with the page's token from A: the CSRF key is the database's, not one process's.
  onB.csrf = onA.csrf;
  const c = await onB.request('POST', '/api/conversations', { model: 'chatty', title: 'From B' });
  expect(c.status).toBe(201);
  expect((await onA.request('GET', `/api/conversations/${c.body.id}`)).body.conversation.title).toBe(
    'From B',
  );
  // Text PostgreSQL cannot store (a NUL character): refused with what to remove, not an internal error.
  const nul = await onB.request('POST', '/api/conversations', { model: 'chatty', title: 'a\u0000b' });
  expect(nul.status).toBe(400);
  expect(nul.body.error).toContain('contains a NUL character (U+0000)');

  // Two failures allowed per account and address: one on each replica, then both refuse.
  // From another address than ann's own (127.0.0.1), which stays free to sign in.
  const attackerA = new Account(a!.match[1]!, { localAddress: '127.0.0.3' });
  const attackerB = new Account(b!.match[1]!, { localAddress: '127.0.0.3' });
  expect((await attackerA.signIn('ann', 'wrong one')).status).toBe(401);
  expect((await attackerB.signIn('ann', 'wrong two')).status).toBe(401);
  expect((await attackerA.signIn('ann')).status).toBe(429);
  expect((await attackerB.signIn('ann')).status).toBe(429);
  const annOnB = new Account(b!.match[1]!);
  expect((await annOnB.signIn('ann')).status).toBe(200);
  await Promise.all([onA, onB, attackerA, attackerB, annOnB].map((x) => x.close()));
});

it('follows an answer from the other replica, stops it from there, and marks it cut off when its writer dies', async () => {
  const onA = new Account(a!.match[1]!);
  expect((await onA.signIn('ann')).status).toBe(200);
  const onB = sameBrowser(onA, b!.match[1]!);
  const conv: Conversation = (await onA.request('POST', '/api/conversations', { model: 'chatty' })).body;
  const ask = async () => {
    const s = await openStream(
      `${onA.base}/api/conversations/${conv.id}/messages`,
      { content: 'Talk.' },
      onA.headers(),
    );
    const answer = (await s.until((e) => e.event === 'start')).data.answer as Message;
    await s.until((e) => e.event === 'token');
    return { s, answer };
  };

  // Followed from B: what A saved so far, then more as it arrives, the same text A streams.
  const first = await ask();
  // B refuses a second answer in the conversation while A writes one.
  const busy = await onB.request('POST', `/api/conversations/${conv.id}/messages`, { content: 'Again' });
  expect(busy.status).toBe(409);
  const follow = await openStream(
    `${onB.base}/api/messages/${first.answer.id}/events`,
    undefined,
    onB.headers(),
  );
  expect(follow.status).toBe(200);
  await follow.until((_, all) => all.filter((e) => e.event === 'token').length >= 3, 30_000);
  // Stopped from B: A's writer hears it at its next save, and both streams end with the answer stopped.
  expect((await onB.request('POST', `/api/messages/${first.answer.id}/stop`, {})).status).toBe(204);
  await Promise.all([first.s.finished, follow.finished]);
  const stoppedOnA = first.s.events.at(-1)!;
  expect(stoppedOnA.event).toBe('done');
  expect((stoppedOnA.data.answer as Message).status).toBe('stopped');
  const stoppedOnB = follow.events.at(-1)!;
  expect(stoppedOnB.event).toBe('done');
  expect(stoppedOnB.data.answer).toEqual(stoppedOnA.data.answer);
  expect(follow.text('token')).toBe((stoppedOnA.data.answer as Message).content);

  // A killed mid-answer: B's follower ends with the answer cut off, holding what A had saved.
  const second = await ask();
  const follower = await openStream(
    `${onB.base}/api/messages/${second.answer.id}/events`,
    undefined,
    onB.headers(),
  );
  await follower.until((e) => e.event === 'token', 30_000);
  a!.child.kill('SIGKILL');
  await a!.stop();
  a = undefined;
  await second.s.finished;
  await follower.until((e) => e.event === 'error', LEASE_MS * 3);
  const cut = follower.events.at(-1)!.data.answer as Message;
  expect(cut).toMatchObject({ id: second.answer.id, status: 'error', error: INTERRUPTED });
  expect(cut.content.length).toBeGreaterThan(0);
  expect(second.s.text('token').startsWith(cut.content)).toBe(true);
  expect(follower.text('token')).toBe(cut.content);
  // The conversation is free again, on the replica that is left.
  const next = await onB.request('GET', `/api/conversations/${conv.id}`);
  expect(next.body.messages.at(-1)).toMatchObject({ id: second.answer.id, status: 'error' });
  await Promise.all([onA.close(), onB.close()]);
}, 120_000);
