// The store suites run on both databases the chatbot supports: SQLite files and a real PostgreSQL (testkit's
// startPostgres, one server per test file, a fresh database per test). Call testDatabases() at a test file's top
// level and describe.each(DATABASES) around the tests.
import { type Postgres, startPostgres } from '@ownchat/testkit';
import { afterAll } from 'vitest';

export const DATABASES = ['sqlite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASES)[number];

export function testDatabases(): { fresh: (kind: DatabaseKind, sqliteFile: string) => Promise<string> } {
  let server: Promise<Postgres> | undefined;
  afterAll(async () => {
    await (await server)?.stop();
  });
  return {
    /** Where a test's database is: `sqliteFile` for SQLite, a new empty PostgreSQL database's URL otherwise. */
    fresh: async (kind, sqliteFile) => {
      if (kind === 'sqlite') return sqliteFile;
      server ??= startPostgres();
      return (await server).createDatabase();
    },
  };
}
