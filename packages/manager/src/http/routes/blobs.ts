// Blob uploads (the first step of `ollama create` from a local GGUF): the body is streamed to disk and hashed as it
// arrives, whatever its size; nothing lands in the store unless the digest matches. With OWNCHAT_PEERS the stored
// blob is then given to every peer that lacks it, so the create that follows works on every replica.

import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { NotFoundError } from '../../errors.ts';
import { blobOnEveryReplica } from '../../peers/everyReplica.ts';
import { RELAYED_HEADER } from '../../peers/peerClient.ts';
import { parseDigest } from '../../store/blobs.ts';

export async function blobRoutes(app: FastifyInstance, ctx: ManagerContext): Promise<void> {
  // In this plugin's scope every body, whatever its content type, reaches the handler as the raw stream:
  // Fastify's parsers would buffer it (and its 1 MiB limit would refuse a model).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.head<{ Params: { digest: string } }>('/api/blobs/:digest', async (req, reply) => {
    const digest = parseDigest(req.params.digest);
    if (!(await ctx.store.blobs.has(digest))) throw new NotFoundError(`blob ${digest} not found`);
    return reply.code(200).send();
  });

  app.post<{ Params: { digest: string } }>('/api/blobs/:digest', async (req, reply) => {
    const digest = parseDigest(req.params.digest);
    const relayed = req.headers[RELAYED_HEADER] !== undefined;
    if (await ctx.store.blobs.has(digest)) {
      req.raw.resume(); // already stored: drain the upload, keep the blob we have
      await blobOnEveryReplica(ctx, digest, relayed); // a peer may still lack it
      return reply.code(200).send();
    }
    // Without a content type Fastify hands no body stream to the handler; the request itself is the stream.
    const body = (req.body as Readable | undefined) ?? req.raw;
    await ctx.store.blobs.writeStream(digest, body);
    await blobOnEveryReplica(ctx, digest, relayed);
    return reply.code(201).send();
  });
}
