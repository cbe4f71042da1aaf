// Accounts on a real SQLite file and a real PostgreSQL (the same cases on both): a database from before accounts is
// upgraded and its conversations go to the first account; two first sign-ups at once make one admin; names are
// unique regardless of ASCII case; sessions are stored as hashes and expire.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { DATABASES, testDatabases } from '../testing/databases.ts';
import { AccountStore, hashToken } from './accountStore.ts';
import { type ChatStore, openChatStore } from './chatStore.ts';
import { connectDatabase } from './database.ts';
import { Migrator, sql } from './kysely.ts';
import { migrations } from './migrations.ts';

const databases = testDatabases();

describe.each(DATABASES)('accounts on %s', (kind) => {
  let dir: string;
  let store: ChatStore | undefined;
  let accounts: AccountStore;
  let clock = 1_000_000;
  let target: string;
  const file = () => target;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-accounts-db-'));
    clock = 1_000_000;
    store = undefined;
    target = await databases.fresh(kind, path.join(dir, 'chat.db'));
  });

  afterEach(async () => {
    await store?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function open() {
    store = await openChatStore(file(), () => clock);
    accounts = new AccountStore(store.db, () => clock);
  }

  it('upgrades a database from before accounts; the first account adopts its conversations, no one else', async () => {
    // The chatbot as it was: only the first migration, and a conversation with no owner.
    const old = await connectDatabase(file());
    const first = { '0001_conversations_and_messages': migrations['0001_conversations_and_messages']! };
    await new Migrator({ db: old, provider: { getMigrations: async () => first } }).migrateToLatest();
    await sql`insert into conversations (title, model, created_at, updated_at) values ('from before', 'm', 1, 1)`.execute(
      old,
    );
    await old.destroy();

    await open();
    expect((await store!.listConversations('anyone')).map((c) => c.title)).toEqual(['from before']);
    const admin = (await accounts.createUser('ann', null, 'pending'))!;
    expect(admin).toMatchObject({ role: 'admin', status: 'active' });
    const bob = (await accounts.createUser('bob', null, 'pending'))!;
    expect(bob).toMatchObject({ role: 'user', status: 'pending' });
    expect((await store!.listConversations(admin.id)).map((c) => c.title)).toEqual(['from before']);
    expect(await store!.listConversations(bob.id)).toEqual([]);
    expect(await accounts.createUser('ANN', null, 'active')).toBeUndefined();
    // ASCII letters only: É and é are two names, on both databases.
    expect(await accounts.createUser('Émile', null, 'active')).toMatchObject({ name: 'Émile' });
    expect(await accounts.createUser('émile', null, 'active')).toMatchObject({ name: 'émile' });
    expect(await accounts.createUser('éMILE', null, 'active')).toBeUndefined();
    expect((await accounts.userByName('BOB'))?.id).toBe(bob.id);
  });

  it('makes one admin when two first sign-ups arrive together', async () => {
    await open();
    const made = await Promise.all(['a1', 'a2', 'a3'].map((n) => accounts.createUser(n, null, 'active')));
    expect(made.map((u) => u!.role).sort()).toEqual(['admin', 'user', 'user']);
  });

  it('keeps only a hash of each session token, and ends sessions when they expire', async () => {
    await open();
    const u = (await accounts.createUser('ann', await hashPassword('a password'), 'active'))!;
    const s = await accounts.createSession(u.id, 60_000);
    const rows = await store!.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toEqual([
      { id: hashToken(s.token), user_id: u.id, created_at: clock, expires_at: clock + 60_000 },
    ]);
    expect(JSON.stringify(rows)).not.toContain(s.token);
    expect((await accounts.sessionUser(s.token))?.user.name).toBe('ann');
    clock += 60_000;
    expect(await accounts.sessionUser(s.token)).toBeUndefined();
    // The next sign-in clears expired sessions away.
    await accounts.createSession(u.id, 60_000);
    expect(await store!.db.selectFrom('sessions').select('id').execute()).toHaveLength(1);
  });
});

it('hashes passwords with a salt of their own and checks them', async () => {
  const a = await hashPassword('same password');
  const b = await hashPassword('same password');
  expect(a).toMatch(/^scrypt\$16384\$8\$5\$[\w-]{22}\$[\w-]{43}$/);
  expect(a).not.toBe(b);
  expect(await verifyPassword('same password', a)).toBe(true);
  expect(await verifyPassword('same passworD', a)).toBe(false);
  expect(await verifyPassword('same password', 'not a hash')).toBe(false);
});
