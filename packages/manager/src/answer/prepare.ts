// A /api/generate or /api/chat request checked and resolved into what the pipeline needs: the model, the input
// the runner continues, options, output format, keep-alive, and the fields the features still to come read
// (think, tools, logprobs). The OpenAI routes turn their requests into Ollama's and come through here too.
import type { ManagerContext } from '../context.ts';
import { asBody, type Body, modelField, optionalBoolean, optionalString } from '../http/validate.ts';
import { checkOptionLimits, checkOptions, type Options } from '../model/options.ts';
import type { GenerateInput, OutputFormat } from '../runner/protocol.ts';
import type { ResolvedModel } from '../store/modelStore.ts';
import { requestedKeepAlive } from './keepAlive.ts';
import { chatInput, generateInput } from './promptInput.ts';
import { chatMessages, contextTokens, generateImages, outputFormat, tools } from './requestFields.ts';

export type AnswerKind = 'generate' | 'chat';

/** Ollama's `think`: on, off, or an effort level (api.ThinkValue). */
export type Think = boolean | 'high' | 'medium' | 'low';

export type PreparedAnswer = {
  kind: AnswerKind;
  /** The model name as the request wrote it (answers repeat it). */
  name: string;
  stream: boolean;
  options: Options;
  format: OutputFormat | undefined;
  keepAliveMs: number;
  model: ResolvedModel;
  /** Undefined for an empty prompt: the request only loads (or unloads) the model. */
  input: GenerateInput | undefined;
  // Carried for the features that will read them; nothing acts on them yet.
  think?: Think;
  tools?: unknown[];
  logprobs?: boolean;
  topLogprobs?: number;
};

/** A prepared answer with something to generate from. */
export type AnswerToGenerate = PreparedAnswer & { input: GenerateInput };

/** The input the runner continues, or undefined for a load-only request (empty prompt or no messages). */
function inputFor(kind: AnswerKind, body: Body, model: ResolvedModel): GenerateInput | undefined {
  if (kind === 'generate') {
    generateImages(body);
    const prompt = optionalString(body, 'prompt') ?? '';
    const suffix = optionalString(body, 'suffix');
    if (!prompt && !suffix) return undefined;
    return generateInput(model, {
      prompt,
      suffix,
      system: optionalString(body, 'system'),
      template: optionalString(body, 'template'),
      raw: optionalBoolean(body, 'raw') ?? false,
      context: contextTokens(body),
    });
  }
  const messages = chatMessages(body);
  if (messages.length === 0) return undefined;
  return chatInput(model, { messages, tools: tools(body) });
}

/**
 * The fields no code acts on yet, read as they are when well-typed and ignored otherwise (as today: the
 * feature that uses one checks it and says what is wrong).
 */
function laterFields(body: Body): Pick<PreparedAnswer, 'think' | 'logprobs' | 'topLogprobs'> {
  const { think, logprobs, top_logprobs } = body;
  return {
    ...(typeof think === 'boolean' || think === 'high' || think === 'medium' || think === 'low'
      ? { think }
      : {}),
    ...(typeof logprobs === 'boolean' ? { logprobs } : {}),
    ...(Number.isInteger(top_logprobs) ? { topLogprobs: top_logprobs as number } : {}),
  };
}

/** Checks a request body and resolves its model. */
export async function prepareAnswer(
  ctx: ManagerContext,
  kind: AnswerKind,
  rawBody: unknown,
): Promise<PreparedAnswer> {
  const body = asBody(rawBody);
  const name = modelField(body);
  const stream = optionalBoolean(body, 'stream') !== false; // the server's default is to stream
  const options = checkOptionLimits(checkOptions(body.options), ctx.config);
  const format = outputFormat(body);
  const keepAliveMs = requestedKeepAlive(ctx, body.keep_alive);
  const model = await ctx.store.resolve(name);
  const input = inputFor(kind, body, model);
  const chatTools = kind === 'chat' && input ? tools(body) : undefined;
  return {
    kind,
    name,
    stream,
    options,
    format,
    keepAliveMs,
    model,
    input,
    ...(chatTools ? { tools: chatTools } : {}),
    ...laterFields(body),
  };
}
