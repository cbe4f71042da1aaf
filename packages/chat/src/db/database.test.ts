// Opening the chatbot's database: replicas starting together on one fresh PostgreSQL migrate it once (Kysely's
// migration lock), and a database that cannot be reached fails the start with its address, not its password.

import { type Postgres, startPostgres } from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { migrations } from './migrations.ts';

let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

it('migrates a fresh PostgreSQL once when four replicas start on it at the same time', async () => {
  const url = await pg.createDatabase();
  const dbs = await Promise.all([1, 2, 3, 4].map(() => openDatabase(url)));
  try {
    const applied = await dbs[0]!
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .execute();
    expect(applied).toHaveLength(Object.keys(migrations).length);
    // Every replica sees the same tables.
    for (const db of dbs) expect(await db.selectFrom('conversations').selectAll().execute()).toEqual([]);
  } finally {
    await Promise.all(dbs.map((db) => db.destroy()));
  }
});

it('names the database it cannot open, without its password', async () => {
  const url = new URL(await pg.createDatabase());
  url.password = 'hunter2';
  url.pathname = '/no_such_database';
  const err = await openDatabase(url.toString()).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toContain(
    'cannot open the chat database postgres://postgres:***@127.0.0.1:',
  );
  expect((err as Error).message).toContain('no_such_database');
  expect((err as Error).message).not.toContain('hunter2');
});
