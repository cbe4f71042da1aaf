// `ownchat chat migrate-db`: copies a SQLite chat.db into an empty PostgreSQL database, for a chatbot moving to
// several replicas. Both are brought to the latest schema first (the same migrations), then every row of every table
// that matters goes over in one PostgreSQL transaction, ids kept (links between rows, and the conversation URLs
// users have bookmarked, stay valid), and PostgreSQL's id sequences are moved past the copied ids. Rate-limit hits
// stay behind (they expire within the hour anyway). Answers that were being written arrive marked streaming with
// no lease: the first chatbot to start on PostgreSQL marks them cut off, as SQLite's would.
import fs from 'node:fs';
import type { Transaction } from 'kysely';
import { type ChatDb, openDatabase, redactUrl } from './database.ts';
import { isPostgresUrl } from './dialect.ts';
import { sql } from './kysely.ts';
import type { Database } from './schema.ts';
import { inTransaction } from './transaction.ts';

/** Rows per INSERT: messages have 15 columns, well under PostgreSQL's 65535 parameters per statement. */
const BATCH = 500;
/** Images are up to OWNCHAT_IMAGE_MAX_MB each: a few at a time, so the copy holds little in memory. */
const IMAGE_BATCH = 4;

/** What is copied, parents before children (foreign keys), with whether the table has a numbered id. */
const TABLES = [
  ['users', true],
  ['conversations', true],
  ['messages', true],
  ['message_images', true],
  ['sessions', false],
  ['settings', false],
] as const satisfies readonly (readonly [keyof Database, boolean])[];

export type CopiedCounts = Record<(typeof TABLES)[number][0], number>;

export class MigrateDbError extends Error {}

/** Copies `from` (a SQLite file) into `to` (an empty PostgreSQL database); returns how many rows of each table. */
export async function migrateDb(from: string, to: string): Promise<CopiedCounts> {
  if (!isPostgresUrl(to)) {
    throw new MigrateDbError(
      `--to must be a PostgreSQL URL such as postgres://user:password@host:5432/ownchat`,
    );
  }
  if (!fs.existsSync(from) || !fs.statSync(from).isFile()) {
    throw new MigrateDbError(
      `there is no chat database at ${from}: name the chatbot's chat.db with --from (it is in OWNCHAT_DATA)`,
    );
  }
  const source = await openDatabase(from);
  try {
    const target = await openDatabase(to);
    try {
      const there = await rowsIn(target);
      if (there) {
        throw new MigrateDbError(
          `${redactUrl(to)} already holds ${there}: migrate-db copies into an empty database only (create a new one, or drop this one's tables)`,
        );
      }
      return await inTransaction(target, (tx) => copyAll(source, tx));
    } finally {
      await target.destroy();
    }
  } finally {
    await source.destroy();
  }
}

/** "3 users" or similar when the database holds chatbot data; '' when it is empty. */
async function rowsIn(db: ChatDb): Promise<string> {
  for (const [table] of TABLES) {
    const { n } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) > 0) return `${n} row(s) in ${table}`;
  }
  return '';
}

async function copyAll(source: ChatDb, tx: Transaction<Database>): Promise<CopiedCounts> {
  const counts = {} as CopiedCounts;
  for (const [table, numbered] of TABLES) {
    let copied = 0;
    const batch = table === 'message_images' ? IMAGE_BATCH : BATCH;
    for (let offset = 0; ; offset += batch) {
      // By rowid (SQLite's own order of every table): stable pages, whatever the key.
      const rows = await source
        .selectFrom(table)
        .selectAll()
        .orderBy(sql`rowid`)
        .limit(batch)
        .offset(offset)
        .execute();
      if (!rows.length) break;
      await tx
        .insertInto(table)
        .values(rows as never)
        .execute();
      copied += rows.length;
    }
    if (numbered) {
      // The next id PostgreSQL hands out follows the copied ones (or starts at 1 on an empty table).
      await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 1), max(id) is not null) from ${sql.table(table)}`.execute(
        tx,
      );
    }
    counts[table] = copied;
  }
  // A lease was the SQLite chatbot's: no replica on PostgreSQL writes those answers, so none vouches for them.
  await tx.updateTable('messages').set({ lease_until: null }).where('status', '=', 'streaming').execute();
  return counts;
}
