// Model management: list, show, create, copy, delete, and what is loaded (/api/ps). Creates, copies and deletes
// reach every replica with OWNCHAT_PEERS (peers/everyReplica.ts).
import type { FastifyInstance } from 'fastify';
import type { ManagerContext } from '../../context.ts';
import { inspectGguf } from '../../engine/gguf.ts';
import { BadRequestError } from '../../errors.ts';
import type { Capability } from '../../model/capabilities.ts';
import { capabilitiesOf, capabilityFacts } from '../../model/capabilitiesOf.ts';
import { copyOnEveryReplica, createOnEveryReplica, deleteOnEveryReplica } from '../../peers/everyReplica.ts';
import { RELAYED_HEADER } from '../../peers/peerClient.ts';
import type { CreateRequest } from '../../store/create.ts';
import type { ResolvedModel } from '../../store/modelStore.ts';
import { clientGone } from '../clientGone.ts';
import { errorStatus } from '../errorStatus.ts';
import { EventStream } from '../eventStream.ts';
import {
  asBody,
  modelField,
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringOrList,
} from '../validate.ts';

export function modelRoutes(app: FastifyInstance, ctx: ManagerContext): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/tags',
    handler: async () => ({
      models: await Promise.all(
        (await ctx.store.list()).map(async (m) => tagEntry(m, await capabilitiesOf(m))),
      ),
    }),
  });

  app.post('/api/show', async (req) => {
    const body = asBody(req.body);
    optionalBoolean(body, 'verbose'); // the vocabulary is always left out; a wrong type is still the client's 400
    const m = await ctx.store.resolve(modelField(body), 'details');
    const gguf = await inspectGguf(m.modelPath, m.displayName);
    const projector = m.projectorPath ? await inspectGguf(m.projectorPath, 'the projector') : undefined;
    const template = m.template ?? gguf.chatTemplate ?? '{{ .Prompt }}';
    return {
      license: m.license,
      messages: m.messages.length ? m.messages : undefined,
      modelfile: modelfile(m, template),
      parameters: parametersText(m.params),
      template,
      system: m.system,
      details: m.details,
      model_info: gguf.modelInfo,
      ...(projector ? { projector_info: projector.modelInfo } : {}),
      capabilities: capabilityFacts(m, gguf),
      modified_at: m.modifiedAt.toISOString(),
    };
  });

  app.get('/api/ps', async () => {
    const models = await Promise.all(
      ctx.scheduler.list().map(async (l) => {
        const m = await ctx.store.resolve(l.name).catch(() => undefined);
        return {
          name: l.name,
          model: l.name,
          size: l.size,
          digest: m?.digest ?? l.digest,
          details: m?.details ?? {},
          expires_at: l.expiresAt.toISOString(),
          size_vram: l.sizeVram,
          context_length: l.info.contextSize,
        };
      }),
    );
    return { models };
  });

  app.post('/api/create', async (req, reply) => {
    const body = asBody(req.body);
    const files = optionalObject(body, 'files') as Record<string, string> | undefined;
    const request: CreateRequest = {
      model: modelField(body),
      from: optionalString(body, 'from'),
      files,
      draft_files: optionalObject(body, 'draft_files') as Record<string, string> | undefined,
      draft_quantize: optionalString(body, 'draft_quantize'),
      template: optionalString(body, 'template'),
      system: optionalString(body, 'system'),
      parameters: optionalObject(body, 'parameters'),
      license: optionalStringOrList(body, 'license'),
      parser: optionalString(body, 'parser'),
      renderer: optionalString(body, 'renderer'),
      // null is absent, as everywhere (Go decodes it as the zero value)
      messages: (body.messages ?? undefined) as CreateRequest['messages'],
    };
    const relayed = req.headers[RELAYED_HEADER] !== undefined;
    if (optionalBoolean(body, 'stream') === false) {
      await createOnEveryReplica(ctx, request, relayed, () => {});
      return { status: 'success' };
    }
    // Streamed: progress lines as Ollama sends them; an error after the first line becomes an {"error"} line.
    const out = new EventStream(reply);
    clientGone(reply);
    try {
      await createOnEveryReplica(ctx, request, relayed, (status) => out.write({ status }));
    } catch (e) {
      if (!out.isStarted) throw e;
      out.write({ error: errorStatus(e).message });
    }
    out.end();
  });

  app.post('/api/copy', async (req) => {
    const body = asBody(req.body);
    const source = optionalString(body, 'source');
    const destination = optionalString(body, 'destination');
    if (!source) throw new BadRequestError('source is required');
    if (!destination) throw new BadRequestError('destination is required');
    await copyOnEveryReplica(ctx, source, destination, req.headers[RELAYED_HEADER] !== undefined);
    return {};
  });

  app.delete('/api/delete', async (req) => {
    const body = asBody(req.body);
    await deleteOnEveryReplica(ctx, modelField(body), req.headers[RELAYED_HEADER] !== undefined);
    return {};
  });
}

function tagEntry(m: ResolvedModel, capabilities: Capability[]) {
  return {
    name: m.displayName,
    model: m.displayName,
    modified_at: m.modifiedAt.toISOString(),
    size: m.size,
    digest: m.digest,
    details: m.details,
    ...(capabilities.length ? { capabilities } : {}),
  };
}

/** Ollama's `parameters` text: one "key value" line per value, the key padded to 30 columns. */
function parametersText(params: Record<string, unknown>): string | undefined {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    for (const value of Array.isArray(v) ? v : [v]) {
      lines.push(`${k.padEnd(30)} ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    }
  }
  return lines.length ? lines.join('\n') : undefined;
}

function modelfile(m: ResolvedModel, template: string): string {
  const lines = [
    '# Modelfile generated by "ownchat show"',
    '# To build a new Modelfile based on this, replace FROM with:',
    `# FROM ${m.displayName}`,
    '',
    `FROM ${m.modelPath}`,
    // Ollama's Model.String() writes the draft right after the model (and its adapters).
    ...(m.draftPath ? [`DRAFT ${m.draftPath}`] : []),
  ];
  // The projector is a second FROM, after the model, as Ollama's Model.String() writes it: building from this
  // Modelfile gives the model its projector again (files told apart by content).
  if (m.projectorPath) lines.push(`FROM ${m.projectorPath}`);
  lines.push(`TEMPLATE """${template}"""`);
  if (m.system) lines.push(`SYSTEM """${m.system}"""`);
  // Built-in names need no quotes (Ollama's quote() leaves a value without newlines or edge spaces bare).
  if (m.config.renderer) lines.push(`RENDERER ${m.config.renderer}`);
  if (m.config.parser) lines.push(`PARSER ${m.config.parser}`);
  for (const [k, v] of Object.entries(m.params)) {
    for (const value of Array.isArray(v) ? v : [v]) lines.push(`PARAMETER ${k} ${String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}
