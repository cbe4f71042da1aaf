// An image attached to a question, served back to the owner of its conversation only (another user's, like a
// missing one, is 404: ids reveal nothing).
import type { FastifyInstance } from 'fastify';
import type { ChatContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';

export function imageRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.get<{ Params: { id: number } }>(
    '/api/images/:id',
    {
      config: { access: 'user' },
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
      },
    },
    async (req, reply) => {
      const image = await ctx.store.getImage(ctx.auth.owner(req), req.params.id);
      if (!image) throw new NotFoundError(`there is no image ${req.params.id} (it may have been deleted)`);
      return (
        reply
          .type(image.type)
          // An image never changes under its id; it is this user's only, so no shared cache keeps it.
          .header('cache-control', 'private, max-age=31536000, immutable')
          // Opened on its own, it is a picture and nothing more.
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(Buffer.from(image.data))
      );
    },
  );
}
