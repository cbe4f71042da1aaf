// The chatbot's one database: opened (created if needed) and migrated here, then shared by the stores over it
// (chatStore.ts: conversations and messages; accountStore.ts: accounts, sessions, settings, rate limits).
// A file is SQLite (one chatbot process owns it); a postgres:// URL (DATABASE_URL) is PostgreSQL, which several
// chatbot replicas share.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely as KyselyDb, Migration, MigrationProvider } from 'kysely';
import { isPostgresUrl } from './dialect.ts';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from './kysely.ts';
import { migrations } from './migrations.ts';
import type { Database } from './schema.ts';

export type ChatDb = KyselyDb<Database>;

const staticMigrations = (all: Record<string, Migration>): MigrationProvider => ({
  getMigrations: async () => all,
});

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(target: string): string {
  if (!isPostgresUrl(target) || !URL.canParse(target)) return target;
  const u = new URL(target);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * Opens the database and brings its schema up to date: `target` is a file (SQLite, created if needed) or a
 * postgres:// URL. Replicas that start together on one PostgreSQL run the migrations once: Kysely's Migrator holds a
 * PostgreSQL advisory lock while it migrates, and the others wait for it and then find nothing left to do.
 */
export async function openDatabase(target: string): Promise<ChatDb> {
  const db = await connectDatabase(target);
  const { error, results } = await new Migrator({
    db,
    provider: staticMigrations(migrations),
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const where = redactUrl(target);
    throw new Error(
      failed
        ? `cannot update the chat database ${where} (migration ${failed}): ${(error as Error).message}`
        : `cannot open the chat database ${where}: ${(error as Error).message}`,
    );
  }
  return db;
}

/** Connects to the database as it is, migrating nothing (openDatabase migrates). */
export async function connectDatabase(target: string): Promise<ChatDb> {
  return isPostgresUrl(target) ? await openPostgres(target) : openSqlite(target);
}

function openSqlite(file: string): ChatDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL: readers never wait for the writer that saves a streaming answer. NORMAL sync: a commit survives a crash
  // of this process (it is in the WAL file), not a power cut or an OS crash, which may take the last commits with
  // them. What a process crash costs a streaming answer is what arrived since its last save (SAVE_MS in
  // server/answers.ts).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** PostgreSQL through a pool of `pg` connections; pg is loaded only here, so SQLite users never load it. */
async function openPostgres(url: string): Promise<ChatDb> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A database that is down or unreachable fails the start-up in seconds, with the reason, instead of hanging.
    connectionTimeoutMillis: 10_000,
    // Times are milliseconds in bigint columns, and counts are bigint: pg returns int8 as a string by default.
    // Every value the chatbot keeps fits a double exactly (times until the year 287396).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  // An idle connection the server drops (a restart, a failover) is an error on the pool: the pool replaces it, and
  // the next query that cannot get one fails with the reason. Unhandled, it would end the process.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
