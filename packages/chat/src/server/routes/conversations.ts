// Conversations: list (with search), create, read with their messages, rename and change settings, delete.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Conversation, ConversationOptions } from '../../api.ts';
import { THINK_LEVELS } from '../../shared/thinkLevels.ts';
import type { ChatContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';

const id = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

/** What a conversation keeps; also the body of PATCH. num_ctx is bounded by what llama.cpp accepts. */
const settings = {
  title: { type: 'string', maxLength: 200 },
  model: { type: 'string', minLength: 1, maxLength: 300 },
  system: { type: 'string', maxLength: 100_000 },
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      temperature: { type: 'number', minimum: 0, maximum: 5 },
      num_ctx: { type: 'integer', minimum: 16, maximum: 1_048_576 },
      // The levels first: Fastify's validator coerces types, and "low" is no boolean either way.
      think: { anyOf: [{ enum: THINK_LEVELS }, { type: 'boolean' }] },
    },
  },
} as const;

type Settings = { title?: string; model?: string; system?: string; options?: ConversationOptions };

/** The conversation if the request's user owns it; another user's answers 404 too, so ids reveal nothing. */
export async function getConversation(
  ctx: ChatContext,
  req: FastifyRequest,
  conversationId: number,
): Promise<Conversation> {
  const c = await ctx.store.getConversation(ctx.auth.owner(req), conversationId);
  if (!c) throw new NotFoundError(`there is no conversation ${conversationId} (it may have been deleted)`);
  return c;
}

export function conversationRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.get<{ Querystring: { q?: string } }>(
    '/api/conversations',
    {
      config: { access: 'user' },
      schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 500 } } } },
    },
    async (req) => ({ conversations: await ctx.store.listConversations(ctx.auth.owner(req), req.query.q) }),
  );

  app.post<{ Body: Settings }>(
    '/api/conversations',
    {
      config: { access: 'user' },
      schema: { body: { type: 'object', additionalProperties: false, properties: settings } },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const c = await ctx.store.createConversation(ctx.auth.owner(req), {
        ...body,
        model: body.model ?? ctx.config.defaultModel,
      });
      return reply.code(201).send(c);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/conversations/:id',
    { config: { access: 'user' }, schema: { params: id } },
    async (req) => {
      const conversation = await getConversation(ctx, req, req.params.id);
      return { conversation, messages: await ctx.store.messages(ctx.auth.owner(req), conversation.id) };
    },
  );

  app.patch<{ Params: { id: number }; Body: Settings }>(
    '/api/conversations/:id',
    {
      config: { access: 'user' },
      schema: {
        params: id,
        body: { type: 'object', additionalProperties: false, properties: settings, minProperties: 1 },
      },
    },
    async (req) => {
      await getConversation(ctx, req, req.params.id);
      return ctx.store.updateConversation(ctx.auth.owner(req), req.params.id, req.body);
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/conversations/:id',
    { config: { access: 'user' }, schema: { params: id } },
    async (req, reply) => {
      await getConversation(ctx, req, req.params.id);
      const running = ctx.answers.runningIn(req.params.id);
      if (running !== undefined) ctx.answers.stop(running);
      if (!(await ctx.store.deleteConversation(ctx.auth.owner(req), req.params.id))) {
        await getConversation(ctx, req, req.params.id);
      }
      return reply.code(204).send();
    },
  );
}
