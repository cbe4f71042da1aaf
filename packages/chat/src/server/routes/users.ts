// The admins' screen: every account, sign-up (open, approval, closed), approving, disabling, deleting, resetting a
// password and promoting. Disabling, deleting and resetting sign the user out everywhere at once. There is always
// an active admin left: the last one cannot be demoted, disabled or deleted.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignupMode, User, UserRole, UserStatus } from '../../api.ts';
import { hashPassword } from '../../auth/password.ts';
import { publicUser, type UserRow } from '../../db/accountStore.ts';
import type { ChatContext } from '../context.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import { checkCredentials } from './session.ts';

const id = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

async function target(ctx: ChatContext, userId: number): Promise<UserRow> {
  const user = await ctx.auth.accounts.userById(userId);
  if (!user) throw new NotFoundError(`there is no user ${userId} (they may have been deleted)`);
  return user;
}

/** Refuses a change that would leave no active admin. */
async function keepAnAdmin(ctx: ChatContext, user: UserRow, what: string): Promise<void> {
  const isActiveAdmin = user.role === 'admin' && user.status === 'active';
  if (isActiveAdmin && (await ctx.auth.accounts.activeAdminCount()) <= 1) {
    throw new ConflictError(
      `"${user.name}" is the only admin: make someone else an admin before you ${what}`,
    );
  }
}

const audit = (req: FastifyRequest, action: string, user: UserRow) =>
  req.log.info({ admin: req.user?.name, user: user.name, action }, 'user changed by an admin');

export function userRoutes(app: FastifyInstance, ctx: ChatContext): void {
  const accounts = ctx.auth.accounts;

  app.get(
    '/api/users',
    { config: { access: 'admin' } },
    async (): Promise<{ users: User[]; signup: SignupMode }> => ({
      users: (await accounts.users()).map(publicUser),
      signup: await accounts.signupMode(),
    }),
  );

  app.put<{ Body: { signup: SignupMode } }>(
    '/api/users/signup',
    {
      config: { access: 'admin' },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['signup'],
          properties: { signup: { type: 'string', enum: ['open', 'approval', 'closed'] } },
        },
      },
    },
    async (req) => {
      await accounts.setSetting('signup', req.body.signup);
      req.log.info({ admin: req.user?.name, signup: req.body.signup }, 'sign-up changed');
      return { signup: req.body.signup };
    },
  );

  app.patch<{ Params: { id: number }; Body: { role?: UserRole; status?: UserStatus } }>(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        params: id,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            role: { type: 'string', enum: ['admin', 'user'] },
            // Approving is pending → active; there is no way back to pending.
            status: { type: 'string', enum: ['active', 'disabled'] },
          },
        },
      },
    },
    async (req): Promise<User> => {
      const user = await target(ctx, req.params.id);
      const { role, status } = req.body;
      if ((role === 'user' && user.role === 'admin') || (status === 'disabled' && user.status === 'active')) {
        await keepAnAdmin(ctx, user, role === 'user' ? 'demote them' : 'disable them');
      }
      const changed = (await accounts.updateUser(user.id, { role, status }))!;
      if (status === 'disabled') await accounts.deleteSessionsOf(user.id);
      audit(req, JSON.stringify(req.body), changed);
      return publicUser(changed);
    },
  );

  app.post<{ Params: { id: number }; Body: { password: string } }>(
    '/api/users/:id/password',
    {
      config: { access: 'admin' },
      schema: {
        params: id,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (req, reply) => {
      if (ctx.auth.mode !== 'local') {
        throw new BadRequestError('passwords exist only with OWNCHAT_AUTH=local');
      }
      const user = await target(ctx, req.params.id);
      checkCredentials(user.name, req.body.password);
      await accounts.updateUser(user.id, { passwordHash: await hashPassword(req.body.password) });
      await accounts.deleteSessionsOf(user.id);
      audit(req, 'reset password', user);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/users/:id',
    { config: { access: 'admin' }, schema: { params: id } },
    async (req, reply) => {
      const user = await target(ctx, req.params.id);
      await keepAnAdmin(ctx, user, 'delete them');
      // Their answers being written stop with their conversations.
      for (const c of await ctx.store.listConversations(user.id)) {
        const running = ctx.answers.runningIn(c.id);
        if (running !== undefined) ctx.answers.stop(running);
      }
      await accounts.deleteUser(user.id);
      audit(req, 'delete', user);
      return reply.code(204).send();
    },
  );
}
