// Asking and answering: a new question, an edited question, a regenerated (or retried) answer — each streams the
// new answer back as server-sent events — and Stop.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerEvents, Conversation, Message } from '../../api.ts';
import type { ChatContext } from '../context.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import { SseStream } from '../sse.ts';
import { getConversation } from './conversations.ts';

const params = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;

/** A conversation without a title is named after its first question. */
function titleFrom(question: string): string {
  const line = question.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 59).trimEnd()}…` : line;
}

async function startAnswer(
  ctx: ChatContext,
  reply: FastifyReply,
  conversation: Conversation,
  keepBefore: number,
  question: Message | null,
): Promise<void> {
  const answer = await ctx.store.appendMessage(conversation.id, {
    role: 'assistant',
    content: '',
    status: 'streaming',
    model: conversation.model,
  });
  const sse = new SseStream<AnswerEvents>(reply, ctx.heartbeatMs);
  sse.send('start', { conversation, keepBefore, question, answer });
  await ctx.answers.write(conversation, answer, sse);
}

/** The user's conversation, with no answer being written in it; the answer about to start counts against the limit. */
async function idleConversation(ctx: ChatContext, req: FastifyRequest, id: number): Promise<Conversation> {
  const conversation = await getConversation(ctx, req, id);
  if (ctx.answers.runningIn(id) !== undefined) {
    throw new ConflictError('an answer is still being written in this conversation: stop it first');
  }
  ctx.auth.countGeneration(req);
  return conversation;
}

export function answerRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.post<{ Params: { id: number }; Body: { content: string; edit?: number } }>(
    '/api/conversations/:id/messages',
    {
      config: { access: 'user' },
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['content'],
          properties: {
            content: { type: 'string', maxLength: 1_000_000 },
            edit: { type: 'integer', minimum: 1 },
          },
        },
      },
    },
    async (req, reply) => {
      const { content, edit } = req.body;
      if (!content.trim()) throw new BadRequestError('the message is empty: type a question first');
      let conversation = await idleConversation(ctx, req, req.params.id);
      let question: Message;
      if (edit !== undefined) {
        // Editing a question: it takes the new text and everything after it goes.
        const old = await ctx.store.getMessage(edit);
        if (!old || old.conversationId !== conversation.id || old.role !== 'user') {
          throw new NotFoundError(`there is no question ${edit} in conversation ${conversation.id} to edit`);
        }
        await ctx.store.deleteMessagesFrom(conversation.id, edit + 1);
        question = (await ctx.store.updateMessage(edit, { content }))!;
      } else {
        question = await ctx.store.appendMessage(conversation.id, { role: 'user', content, status: 'done' });
      }
      if (!conversation.title) {
        conversation = (await ctx.store.updateConversation(ctx.auth.owner(req), conversation.id, {
          title: titleFrom(content),
        }))!;
      }
      await startAnswer(ctx, reply, conversation, question.id, question);
    },
  );

  app.post<{ Params: { id: number }; Body: { answer: number } }>(
    '/api/conversations/:id/regenerate',
    {
      config: { access: 'user' },
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['answer'],
          properties: { answer: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (req, reply) => {
      const conversation = await idleConversation(ctx, req, req.params.id);
      const old = await ctx.store.getMessage(req.body.answer);
      if (!old || old.conversationId !== conversation.id || old.role !== 'assistant') {
        throw new NotFoundError(`there is no answer ${req.body.answer} in conversation ${conversation.id}`);
      }
      // The answer and everything after it are replaced by a new answer to the same conversation.
      await ctx.store.deleteMessagesFrom(conversation.id, old.id);
      await startAnswer(ctx, reply, conversation, old.id, null);
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/messages/:id/stop',
    { config: { access: 'user' }, schema: { params } },
    async (req, reply) => {
      // Another user's answer is "not being written" as far as this user can tell.
      const conversationId = ctx.answers.conversationOf(req.params.id);
      const visible =
        conversationId !== undefined &&
        (await ctx.store.getConversation(ctx.auth.owner(req), conversationId)) !== undefined;
      if (!visible || !ctx.answers.stop(req.params.id)) {
        throw new NotFoundError(
          `answer ${req.params.id} is not being written (it has finished or was stopped)`,
        );
      }
      return reply.code(204).send();
    },
  );
}
