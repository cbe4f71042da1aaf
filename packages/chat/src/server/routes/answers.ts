// Asking and answering: a new question, an edited question, a regenerated (or retried) answer — each streams the
// new answer back as server-sent events — and Stop.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerEvents, Conversation } from '../../api.ts';
import type { TurnRefusal, TurnStart } from '../../db/chatStore.ts';
import { cannotReadImages, MAX_IMAGES_PER_MESSAGE } from '../../shared/images.ts';
import type { ChatContext } from '../context.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import { followAnswer } from '../follow.ts';
import { base64Length, decodeImages, questionBodyLimit } from '../images.ts';
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

/** What a user reads when the conversation, or the message a turn names, is not there. */
function notThere(
  conversationId: number,
  start: TurnStart,
  missing: Extract<TurnRefusal, { missing: unknown }>['missing'],
): NotFoundError {
  if (missing === 'conversation') {
    return new NotFoundError(`there is no conversation ${conversationId} (it may have been deleted)`);
  }
  if (start.kind === 'edit') {
    return new NotFoundError(
      `there is no question ${start.question} in conversation ${conversationId} to edit`,
    );
  }
  const answer = start.kind === 'regenerate' ? start.answer : 0;
  return new NotFoundError(`there is no answer ${answer} in conversation ${conversationId}`);
}

/** Starts the turn (one transaction: chatStore.ts) and streams its answer back as server-sent events. */
async function answerTurn(
  ctx: ChatContext,
  req: FastifyRequest,
  reply: FastifyReply,
  conversationId: number,
  start: TurnStart,
): Promise<void> {
  const owner = ctx.auth.owner(req);
  const turn = await ctx.store.startTurn(owner, conversationId, start);
  if ('missing' in turn) throw notThere(conversationId, start, turn.missing);
  if ('busy' in turn) throw busyError();
  const { conversation, keepBefore, question, answer } = turn;
  const sse = new SseStream<AnswerEvents>(reply, ctx.heartbeatMs);
  sse.send('start', { conversation, keepBefore, question, answer });
  await ctx.answers.write(owner, turn, sse);
}

const busyError = () =>
  new ConflictError('an answer is still being written in this conversation: stop it first');

/** The user's conversation, with no answer being written in it; the answer about to start counts against the limit. */
async function idleConversation(ctx: ChatContext, req: FastifyRequest, id: number): Promise<Conversation> {
  const conversation = await getConversation(ctx, req, id);
  if (ctx.answers.runningIn(id) !== undefined) throw busyError();
  await ctx.auth.countGeneration(req);
  return conversation;
}

export function answerRoutes(app: FastifyInstance, ctx: ChatContext): void {
  const imageMaxBytes = ctx.config.imageMaxMb * 1_000_000;
  app.post<{ Params: { id: number }; Body: { content: string; edit?: number; images?: string[] } }>(
    '/api/conversations/:id/messages',
    {
      config: { access: 'user' },
      // Room for a question's images (base64); the images are held to their own limit, each by name, below.
      bodyLimit: questionBodyLimit(imageMaxBytes),
      schema: {
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['content'],
          properties: {
            content: { type: 'string', maxLength: 1_000_000 },
            edit: { type: 'integer', minimum: 1 },
            // Ollama's `images`: base64 bytes of PNG, JPEG or WebP (shared/images.ts), for a model that reads them.
            images: {
              type: 'array',
              maxItems: MAX_IMAGES_PER_MESSAGE,
              // Longer than the limit on purpose: an image over it is refused with its size (413), not "invalid".
              items: { type: 'string', maxLength: base64Length(imageMaxBytes) * 2 },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const { content, edit } = req.body;
      if (!content.trim()) throw new BadRequestError('the message is empty: type a question first');
      const images = decodeImages(req.body.images ?? [], imageMaxBytes);
      if (images.length && edit !== undefined) {
        throw new BadRequestError(
          'an edited question keeps the images it had and takes no new ones: send new images with a new question',
        );
      }
      if (images.length) {
        // Refused before the answer counts against the user's rate limit.
        const { model } = await getConversation(ctx, req, req.params.id);
        if ((await ctx.upstream.readsImages(model)) === false) {
          throw new BadRequestError(
            `${cannotReadImages(model)}: choose a model that can (its capabilities list vision), or send the question without images`,
          );
        }
      }
      await idleConversation(ctx, req, req.params.id);
      const title = titleFrom(content);
      // Editing a question: it takes the new text and everything after it goes.
      const start: TurnStart =
        edit !== undefined
          ? { kind: 'edit', question: edit, content, title }
          : { kind: 'ask', content, title, images };
      await answerTurn(ctx, req, reply, req.params.id, start);
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
      await idleConversation(ctx, req, req.params.id);
      // The answer and everything after it are replaced by a new answer to the same conversation.
      await answerTurn(ctx, req, reply, req.params.id, { kind: 'regenerate', answer: req.body.answer });
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/messages/:id/stop',
    { config: { access: 'user' }, schema: { params } },
    async (req, reply) => {
      // Another user's answer is "not being written" as far as this user can tell.
      const owner = ctx.auth.owner(req);
      const conversationId = ctx.answers.conversationOf(req.params.id);
      const visible =
        conversationId !== undefined &&
        (await ctx.store.getConversation(owner, conversationId)) !== undefined;
      // Written here: stopped at once. Written by another replica: it sees the request at its next save.
      const stopped = visible
        ? ctx.answers.stop(req.params.id)
        : await ctx.store.requestStop(owner, req.params.id);
      if (!stopped) {
        throw new NotFoundError(
          `answer ${req.params.id} is not being written (it has finished or was stopped)`,
        );
      }
      return reply.code(204).send();
    },
  );

  // An answer being written, from any replica: what it has so far, then the rest as it arrives (from the saved row:
  // server/follow.ts), ending with done or error as the writer's own stream does.
  app.get<{ Params: { id: number } }>(
    '/api/messages/:id/events',
    { config: { access: 'user' }, schema: { params } },
    async (req, reply) => {
      const answer = await ctx.store.getMessage(ctx.auth.owner(req), req.params.id);
      if (answer?.role !== 'assistant') {
        throw new NotFoundError(`there is no answer ${req.params.id} (it may have been deleted)`);
      }
      const sse = new SseStream<AnswerEvents>(reply, ctx.heartbeatMs);
      await followAnswer(ctx.store, ctx.auth.owner(req), answer, sse);
    },
  );
}
