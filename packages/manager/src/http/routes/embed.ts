// Embeddings: /api/embed (one input or many, L2-normalised vectors, as Ollama returns them) and the legacy
// /api/embeddings (one prompt, the raw vector). /api/embed's `dimensions` keeps the first n values of each
// vector and normalises them again (a value ≤ 0 or ≥ the model's width changes nothing), and `truncate: false`
// refuses an input longer than the context with Ollama's 400 instead of cutting it (server/routes.go).
import type { FastifyInstance } from 'fastify';
import { embedWith } from '../../answer/inference.ts';
import { requestedKeepAlive } from '../../answer/keepAlive.ts';
import { normalise } from '../../answer/normalise.ts';
import type { ManagerContext } from '../../context.ts';
import { BadRequestError } from '../../errors.ts';
import { checkOptionLimits, checkOptions } from '../../model/options.ts';
import { clientGone } from '../clientGone.ts';
import {
  asBody,
  type Body,
  modelField,
  optionalBoolean,
  optionalInteger,
  optionalString,
} from '../validate.ts';

function inputs(body: Body): string[] {
  const v = body.input;
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new BadRequestError('input must be a string or a list of strings');
}

export function embedRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  const common = (body: Body) => ({
    options: checkOptionLimits(checkOptions(body.options), ctx.config),
    keepAliveMs: requestedKeepAlive(ctx, body.keep_alive),
  });

  app.post('/api/embed', async (req, reply) => {
    const started = process.hrtime.bigint();
    const body = asBody(req.body);
    const name = modelField(body);
    const texts = inputs(body);
    const truncate = optionalBoolean(body, 'truncate') ?? true;
    const dimensions = optionalInteger(body, 'dimensions') ?? 0;
    const { options, keepAliveMs } = common(body);
    const model = await ctx.store.resolve(name);
    const r = await embedWith(
      ctx,
      { model, options, keepAliveMs, inputs: texts, truncate },
      clientGone(reply),
    );
    return {
      model: name,
      embeddings: r.embeddings.map((e) => {
        const unit = normalise(e);
        return dimensions > 0 && dimensions < unit.length ? normalise(unit.slice(0, dimensions)) : unit;
      }),
      total_duration: Number(process.hrtime.bigint() - started),
      load_duration: r.loadNs,
      prompt_eval_count: r.promptTokens,
    };
  });

  app.post('/api/embeddings', async (req, reply) => {
    const body = asBody(req.body);
    const name = modelField(body);
    const prompt = optionalString(body, 'prompt') ?? '';
    const { options, keepAliveMs } = common(body);
    const model = await ctx.store.resolve(name);
    const inputs = prompt ? [prompt] : [];
    const r = await embedWith(
      ctx,
      { model, options, keepAliveMs, inputs, truncate: true },
      clientGone(reply),
    );
    return { embedding: r.embeddings[0] ?? [] };
  });
}
