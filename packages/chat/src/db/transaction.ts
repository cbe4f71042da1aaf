// Kysely's transaction, keeping the error that failed it. SQLite rolls a transaction back by itself on some errors
// (SQLITE_FULL when the disk is full, SQLITE_IOERR, SQLITE_NOMEM); Kysely's own rollback then fails with "cannot
// rollback - no transaction is active", and that error, not the one that says why, would reach the user.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export async function inTransaction<T>(
  db: Kysely<Database>,
  work: (tx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const tx = await db.startTransaction().execute();
  let result: T;
  try {
    result = await work(tx);
    // A full disk may fail the commit itself (the write-ahead log cannot grow): that error is the one to keep.
    await tx.commit().execute();
  } catch (e) {
    // Kysely releases the connection even when the rollback fails (SQLite may have rolled back already).
    await tx
      .rollback()
      .execute()
      .catch(() => {});
    throw e;
  }
  return result;
}
