// The chatbot's one database: opened (created if needed) and migrated here, then shared by the stores over it
// (chatStore.ts: conversations and messages; accountStore.ts: accounts, sessions, settings).
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely as KyselyDb, Migration, MigrationProvider } from 'kysely';
import { Kysely, Migrator, SqliteDialect } from './kysely.ts';
import { migrations } from './migrations.ts';
import type { Database } from './schema.ts';

export type ChatDb = KyselyDb<Database>;

const staticMigrations = (all: Record<string, Migration>): MigrationProvider => ({
  getMigrations: async () => all,
});

/** Opens (creating if needed) the database file and brings its schema up to date. */
export async function openDatabase(file: string): Promise<ChatDb> {
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({
    db,
    provider: staticMigrations(migrations),
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `cannot update the chat database ${file} (migration ${failed}): ${(error as Error).message}`,
    );
  }
  return db;
}
