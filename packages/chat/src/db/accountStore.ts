// Accounts, sign-in sessions and the settings admins change, over the same database as the conversations.
// A session's token lives only in the user's cookie: the table keeps its SHA-256, so reading the database does not
// let anyone sign in as someone else.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely as KyselyDb, Selectable } from 'kysely';
import type { SignupMode, User, UserRole, UserStatus } from '../api.ts';
import { asciiLower, asciiLowerText, LOCKS, serialize } from './dialect.ts';
import { sql } from './kysely.ts';
import type { Database, UserTable } from './schema.ts';
import { inTransaction } from './transaction.ts';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export type UserRow = User & { passwordHash: string | null };

function toUser(r: Selectable<UserTable>): UserRow {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    passwordHash: r.password_hash,
  };
}

export const publicUser = ({ passwordHash: _, ...u }: UserRow): User => u;

export class AccountStore {
  constructor(
    readonly db: KyselyDb<Database>,
    private readonly now: () => number,
  ) {}

  async userCount(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async users(): Promise<UserRow[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('id').execute()).map(toUser);
  }

  async userByName(name: string): Promise<UserRow | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where(this.nameIs(name)).executeTakeFirst();
    return row && toUser(row);
  }

  /** Names compare without regard to ASCII case, as SQLite's `collate nocase` on the column does. */
  private nameIs(name: string) {
    return sql<boolean>`${asciiLower(this.db, 'name')} = ${asciiLowerText(name)}`;
  }

  async userById(id: number): Promise<UserRow | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  /**
   * Adds a user; the first one ever becomes an active admin and adopts the conversations made before there were
   * accounts (OWNCHAT_AUTH=off). One transaction, so two first sign-ups at once make one admin, not two.
   * Undefined when the name is taken.
   */
  async createUser(
    name: string,
    passwordHash: string | null,
    status: UserStatus,
  ): Promise<UserRow | undefined> {
    const t = this.now();
    return inTransaction(this.db, async (tx) => {
      // PostgreSQL: two sign-ups at once would each see no users and both become admins.
      await serialize(tx, LOCKS.createUser);
      const taken = await tx.selectFrom('users').select('id').where(this.nameIs(name)).executeTakeFirst();
      if (taken) return undefined;
      const first = !(await tx.selectFrom('users').select('id').limit(1).executeTakeFirst());
      const row = await tx
        .insertInto('users')
        .values({
          name,
          password_hash: passwordHash,
          role: first ? 'admin' : 'user',
          status: first ? 'active' : status,
          created_at: t,
          updated_at: t,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (first) {
        await tx.updateTable('conversations').set({ user_id: row.id }).where('user_id', 'is', null).execute();
      }
      return toUser(row);
    });
  }

  async updateUser(
    id: number,
    patch: { role?: UserRole; status?: UserStatus; passwordHash?: string },
  ): Promise<UserRow | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({
        ...(patch.role && { role: patch.role }),
        ...(patch.status && { status: patch.status }),
        ...(patch.passwordHash && { password_hash: patch.passwordHash }),
        updated_at: this.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  /** Deletes a user with their sessions and conversations. */
  async deleteUser(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Active admins: there must always be one. */
  async activeAdminCount(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Starts a session; returns the token for the cookie (never stored) and the session's key. */
  async createSession(
    userId: number,
    ttlMs: number,
  ): Promise<{ token: string; id: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const id = hashToken(token);
    const t = this.now();
    // Expired sessions of anyone go when someone signs in: the table holds only live ones and recent leftovers.
    await this.db.deleteFrom('sessions').where('expires_at', '<=', t).execute();
    await this.db
      .insertInto('sessions')
      .values({ id, user_id: userId, created_at: t, expires_at: t + ttlMs })
      .execute();
    return { token, id, expiresAt: t + ttlMs };
  }

  /** The active user a session token belongs to, if the session exists and has not expired. */
  async sessionUser(token: string): Promise<{ user: UserRow; id: string } | undefined> {
    const id = hashToken(token);
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .where('s.id', '=', id)
      .where('s.expires_at', '>', this.now())
      .where('u.status', '=', 'active')
      .executeTakeFirst();
    return row && { user: toUser(row), id };
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Signs a user out everywhere. */
  async deleteSessionsOf(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** Sign-up: open, approval (an admin approves each new account; the default) or closed. */
  async signupMode(): Promise<SignupMode> {
    return ((await this.getSetting('signup')) as SignupMode | undefined) ?? 'approval';
  }

  /** A random secret made once per database (it keys the CSRF tokens), so restarts keep pages working. */
  async secret(name: string): Promise<string> {
    const have = await this.getSetting(name);
    if (have) return have;
    await this.db
      .insertInto('settings')
      .values({ key: name, value: randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return (await this.getSetting(name))!;
  }
}
