// The Anthropic Messages API (/v1/messages), as Ollama serves it for Claude Code and the Anthropic SDKs: requests
// become /api/chat requests and are answered by the same inference; answers and errors are Anthropic's.
import type { FastifyInstance } from 'fastify';
import { prepareAnswer } from '../../answer/prepare.ts';
import type { ManagerContext } from '../../context.ts';
import { BadRequestError } from '../../errors.ts';
import { replyWithAnswer } from '../answerReply.ts';
import { estimateTokens, fromMessagesRequest } from '../anthropic/request.ts';
import { anthropicError, messagesShape } from '../anthropic/response.ts';
import { errorStatus } from '../errorStatus.ts';
import { asBody } from '../validate.ts';

/** Registered in a scope of its own: its errors, API-key refusals included, take Anthropic's shape. */
export async function anthropicRoutes(app: FastifyInstance, ctx: ManagerContext): Promise<void> {
  app.setErrorHandler((error, req, reply) => {
    const { status, message, headers } = errorStatus(error);
    if (status >= 500) req.log.error({ err: error }, message);
    if (headers) reply.headers(headers);
    return reply.code(status).send(anthropicError(status, message));
  });

  app.post('/v1/messages', async (req, reply) => {
    const { ollama, stream, estimatedTokens } = fromMessagesRequest(asBody(req.body));
    // Claude Code asks every model to think: one that cannot answers without, as Ollama lets it.
    const p = await prepareAnswer(ctx, 'chat', ollama, { relaxThinking: true });
    if (!p.input) throw new BadRequestError('messages is required', 'messages');
    const shape = messagesShape(p.name, estimatedTokens);
    await replyWithAnswer(ctx, reply, { ...p, input: p.input }, shape, stream);
  });

  // Ollama's estimate (a quarter of the characters), as its Claude Desktop proxy answers count_tokens: the model
  // is not loaded to count.
  app.post('/v1/messages/count_tokens', async (req) => {
    const body = asBody(req.body);
    if (typeof body.model !== 'string' || !body.model)
      throw new BadRequestError('model is required', 'model');
    if (!Array.isArray(body.messages)) throw new BadRequestError('messages is required', 'messages');
    await ctx.store.resolve(body.model);
    return { input_tokens: estimateTokens(body) };
  });
}
