// What differs between the chatbot's two databases, in one place: SQLite (a file, one chatbot process) and
// PostgreSQL (DATABASE_URL, several replicas). The migrations and the few queries that cannot be written the same on
// both branch on isPostgres; everything else is the same Kysely query on either.
import type { Kysely, RawBuilder } from 'kysely';
import { PostgresAdapter, sql } from './kysely.ts';

/** True for postgres:// and postgresql:// URLs: what DATABASE_URL may name. */
export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

/** Whether a database (or a transaction on one) is PostgreSQL. */
// biome-ignore lint/suspicious/noExplicitAny: any database schema; only the adapter is read.
export const isPostgres = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Lower case for ASCII letters only, as SQLite's lower(), LIKE and `collate nocase` compare: PostgreSQL's lower()
 * folds every letter its locale knows unless the C collation is named. Both databases then match a search or a
 * user name alike (É and é are different letters on both).
 */
// biome-ignore lint/suspicious/noExplicitAny: any database schema; only the adapter is read.
export function asciiLower(db: Kysely<any>, column: string): RawBuilder<string> {
  return isPostgres(db)
    ? sql<string>`lower(${sql.ref(column)} collate "C")`
    : sql<string>`lower(${sql.ref(column)})`;
}

/** `text` in ASCII lower case (the value side of asciiLower). */
export const asciiLowerText = (text: string) => text.replace(/[A-Z]+/g, (s) => s.toLowerCase());

/** Advisory lock keys (PostgreSQL), one per kind of transaction that must not run twice at once. */
export const LOCKS = { createUser: 0x6f776e01 } as const;

/**
 * Makes transactions holding the same lock run one after the other: PostgreSQL's pg_advisory_xact_lock, held to the
 * end of the transaction. On SQLite, a no-op: its transactions already run one at a time.
 */
// biome-ignore lint/suspicious/noExplicitAny: any database schema; only the adapter is read.
export async function serialize(tx: Kysely<any>, lock: number): Promise<void> {
  if (isPostgres(tx)) await sql`select pg_advisory_xact_lock(${lock})`.execute(tx);
}
