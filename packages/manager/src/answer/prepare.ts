// A /api/generate or /api/chat request checked and resolved into what the pipeline needs: the model, the input
// the runner continues, options, output format, keep-alive, think, tools and log probabilities. The OpenAI
// routes turn their requests into Ollama's and come through here too.
import type { ManagerContext } from '../context.ts';
import { inspectGguf } from '../engine/gguf.ts';
import { BadRequestError } from '../errors.ts';
import { asBody, type Body, modelField, optionalBoolean, optionalString } from '../http/validate.ts';
import type { Capability } from '../model/capabilities.ts';
import { missingCapabilityMessage, usesHarmony } from '../model/capabilities.ts';
import { capabilitiesOf } from '../model/capabilitiesOf.ts';
import { fullName, parseModelName } from '../model/name.ts';
import { checkOptionLimits, checkOptions, type Options } from '../model/options.ts';
import type { BuiltinParser } from '../parsers/builtinParser.ts';
import { parserForName } from '../parsers/parserForName.ts';
import type { GenerateInput, OutputFormat } from '../runner/protocol.ts';
import type { ResolvedModel } from '../store/modelStore.ts';
import { compileTemplate } from '../template/prompt.ts';
import { ThinkingParser } from '../thinking/thinkingParser.ts';
import { thinkingTags } from '../thinking/thinkingTags.ts';
import { ToolCallParser } from '../tools/toolCallParser.ts';
import { jinjaToolCallTag, preservedToolTag, toolCallTag } from '../tools/toolCallTag.ts';
import type { ToolDefinition } from '../tools/types.ts';
import { withImagePlaces } from './images.ts';
import { contextSizeFor } from './inference.ts';
import { requestedKeepAlive } from './keepAlive.ts';
import { builtinOutput, type OutputParser, templateOutput } from './outputParser.ts';
import { chatInput, chatMessagesFor, generateInput, type Think } from './promptInput.ts';
import {
  chatMessages,
  contextTokens,
  generateImages,
  hasImages,
  outputFormat,
  thinkField,
  tools,
} from './requestFields.ts';

export type AnswerKind = 'generate' | 'chat';

export type { Think };

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
  /** The think value the answer runs with (Ollama turns it on for a thinking model that was not told). */
  think?: Think;
  tools?: unknown[];
  /** Splits the generated text into content, thinking and tool calls; absent when all of it is content. */
  output?: OutputParser;
  /** Log probabilities of the generated tokens, with topLogprobs likeliest alternatives each. */
  logprobs?: boolean;
  topLogprobs?: number;
};

/** A prepared answer with something to generate from. */
export type AnswerToGenerate = PreparedAnswer & { input: GenerateInput };

/** The input the runner continues, or undefined for a load-only request (empty prompt or no messages). */
function inputFor(
  kind: AnswerKind,
  body: Body,
  model: ResolvedModel,
  promptTools: unknown[] | undefined,
  think: Think | undefined,
  truncateTo: number | undefined,
): GenerateInput | undefined {
  if (kind === 'generate') {
    const prompt = optionalString(body, 'prompt') ?? '';
    const suffix = optionalString(body, 'suffix');
    const placed = withImagePlaces(prompt, generateImages(body));
    if (!prompt && !suffix) return undefined;
    return withImages(
      placed.images,
      generateInput(model, {
        prompt: placed.text,
        suffix,
        system: optionalString(body, 'system'),
        template: optionalString(body, 'template'),
        raw: optionalBoolean(body, 'raw') ?? false,
        context: contextTokens(body),
        think,
      }),
    );
  }
  const images: string[] = [];
  const messages = chatMessages(body).map((m) => {
    if (!m.images?.length) return m;
    const placed = withImagePlaces(m.content, m.images as string[]);
    images.push(...placed.images);
    return { ...m, content: placed.text };
  });
  if (messages.length === 0) return undefined;
  return withImages(images, chatInput(model, { messages, tools: promptTools, think, truncateTo }));
}

/** The input with the request's images, in the order of their places in the prompt. */
function withImages(images: string[], input: GenerateInput): GenerateInput {
  return images.length ? { ...input, images } : input;
}

/**
 * `truncate` and `shift` (both on unless the request says otherwise; shift off for deepseek2, whose cache
 * cannot shift, as Ollama's supportsContextShift decides).
 */
function contextFields(body: Body, model: ResolvedModel): { truncate: boolean; shift: boolean } {
  const families = [model.config.model_family, ...(model.config.model_families ?? [])];
  return {
    truncate: optionalBoolean(body, 'truncate') ?? true,
    shift: optionalBoolean(body, 'shift') ?? !families.includes('deepseek2'),
  };
}

/**
 * Ollama's checks before an answer (ChatHandler, GenerateHandler, CheckCapabilities): a thinking model thinks
 * unless told not to; `think` on for a model that cannot is refused with the name as asked, quoted; a request
 * needing tools, insert or completion the model lacks is refused with its full name.
 */
function checkedThink(
  name: string,
  caps: Capability[],
  think: Think | undefined,
  relaxThinking: boolean,
): Think | undefined {
  if (caps.includes('thinking')) return think ?? true;
  if (think !== undefined && think !== false) {
    // Ollama's relax_thinking (/v1/messages): Claude Code asks every model to think; one that cannot just answers.
    if (relaxThinking) return undefined;
    throw new BadRequestError(`${JSON.stringify(name)} does not support thinking`);
  }
  return think;
}

function checkCapabilities(
  kind: AnswerKind,
  name: string,
  model: ResolvedModel,
  caps: Capability[],
  body: Body,
) {
  if (!caps.includes('completion')) {
    throw new BadRequestError(
      `${JSON.stringify(name)} does not support ${kind === 'chat' ? 'chat' : 'generate'}`,
    );
  }
  const missing: Capability[] = [];
  if (kind === 'chat' && tools(body)?.length && !caps.includes('tools')) missing.push('tools');
  if (kind === 'generate' && optionalString(body, 'suffix') && !caps.includes('insert'))
    missing.push('insert');
  if (hasImages(kind, body) && !caps.includes('vision')) missing.push('vision');
  if (missing.length) {
    let full = model.displayName;
    try {
      full = fullName(parseModelName(model.displayName));
    } catch {
      // keep the name as shown
    }
    throw new BadRequestError(missingCapabilityMessage(full, missing));
  }
}

/** harmony's Reasoning line knows low, medium and high only: Ollama sends "max" to gpt-oss as "high". */
export function templateThink(
  model: Pick<ResolvedModel, 'template' | 'config'>,
  think: Think | undefined,
): Think | undefined {
  return think === 'max' && usesHarmony({ goTemplate: model.template, config: model.config })
    ? 'high'
    : think;
}

/** The built-in parser a model's config names; gpt-oss templates in harmony's format get harmony's. */
function builtinParserFor(model: ResolvedModel): BuiltinParser | undefined {
  return (
    parserForName(model.config.parser) ??
    (usesHarmony({ goTemplate: model.template, config: model.config }) ? parserForName('harmony') : undefined)
  );
}

/** How the generated text is read: the built-in parser, or the template's thinking tags and tool-call tag. */
function templateOutputFor(
  input: GenerateInput,
  think: Think | undefined,
  requestTools: ToolDefinition[] | undefined,
  builtin: BuiltinParser | undefined,
  template: string | undefined,
  chatTemplate: string | undefined,
): OutputParser | undefined {
  const nodes = template ? compileTemplate(template) : undefined;
  let thinking: ThinkingParser | undefined;
  if (!builtin && nodes && think !== undefined && think !== false) {
    const tags = thinkingTags(nodes);
    if (tags.opening && tags.closing) {
      thinking = new ThinkingParser(tags.opening, tags.closing);
      // A prompt that ends by opening the thinking block: the answer starts inside it.
      if (input.kind === 'text' && input.text.trim().endsWith(tags.opening)) thinking.add(tags.opening);
    }
  }
  const tag =
    requestTools?.length && !builtin?.hasToolSupport
      ? nodes || !chatTemplate
        ? toolCallTag(nodes)
        : jinjaToolCallTag(chatTemplate)
      : undefined;
  const toolParser = tag !== undefined ? new ToolCallParser(requestTools ?? [], tag) : undefined;
  // The tag may be a special token (mistral's [TOOL_CALLS]): the runner gives it back as text.
  if (tag !== undefined) input.preservedTokens = preservedToolTag(tag);
  return thinking || toolParser ? templateOutput(thinking, toolParser) : undefined;
}

/** The GGUF's Jinja template, read only where it renders a chat with tools (no Go template). */
async function jinjaFor(
  model: ResolvedModel,
  template: string | undefined,
  requestTools: ToolDefinition[] | undefined,
): Promise<string | undefined> {
  if (template || !requestTools?.length) return undefined;
  const gguf = await inspectGguf(model.modelPath, model.displayName).catch(() => undefined);
  return gguf?.chatTemplate;
}

/**
 * `logprobs` and `top_logprobs`, checked as Ollama checks them (top_logprobs between 0 and 20, with its message;
 * a top_logprobs without logprobs asks for nothing, as in Ollama).
 */
/** Ollama's bound on top_logprobs (server/routes.go). */
const MAX_TOP_LOGPROBS = 20;

export function logprobFields(body: Body): Pick<PreparedAnswer, 'logprobs' | 'topLogprobs'> {
  const { logprobs, top_logprobs } = body;
  if (logprobs !== undefined && logprobs !== null && typeof logprobs !== 'boolean')
    throw new BadRequestError(`logprobs must be true or false, not ${JSON.stringify(logprobs)}`);
  if (top_logprobs !== undefined && top_logprobs !== null && !Number.isInteger(top_logprobs))
    throw new BadRequestError(`top_logprobs must be a whole number, not ${JSON.stringify(top_logprobs)}`);
  const top = (top_logprobs as number | null | undefined) ?? 0;
  if (top < 0 || top > MAX_TOP_LOGPROBS)
    throw new BadRequestError(`top_logprobs must be between 0 and ${MAX_TOP_LOGPROBS}`);
  return logprobs === true ? { logprobs: true, topLogprobs: top } : {};
}

export type PrepareOptions = {
  /** Ask a model that cannot think to think, and it answers without (Ollama does so for /v1/messages). */
  relaxThinking?: boolean;
};

/** Checks a request body and resolves its model. */
export async function prepareAnswer(
  ctx: ManagerContext,
  kind: AnswerKind,
  rawBody: unknown,
  { relaxThinking = false }: PrepareOptions = {},
): Promise<PreparedAnswer> {
  const body = asBody(rawBody);
  const logprobs = logprobFields(body); // checked first, as Ollama does
  const name = modelField(body);
  const stream = optionalBoolean(body, 'stream') !== false; // the server's default is to stream
  const options = checkOptionLimits(checkOptions(body.options), ctx.config);
  const format = outputFormat(body);
  const keepAliveMs = requestedKeepAlive(ctx, body.keep_alive);
  const requestedThink = thinkField(body);
  const model = await ctx.store.resolve(name);
  const caps = await capabilitiesOf(model);
  const think = templateThink(model, checkedThink(name, caps, requestedThink, relaxThinking));
  checkCapabilities(kind, name, model, caps, body);
  const raw = kind === 'generate' && optionalBoolean(body, 'raw') === true;
  const requestTools = kind === 'chat' ? (tools(body) as ToolDefinition[] | undefined) : undefined;
  const builtin = raw ? undefined : builtinParserFor(model);
  let promptTools: unknown[] | undefined = requestTools;
  if (builtin) {
    // The parser sees the tools and the conversation's last message before the answer (harmony renames tools).
    const last =
      kind === 'chat' ? chatMessagesFor(model, { messages: chatMessages(body) }).at(-1) : undefined;
    const processed = builtin.init(requestTools ?? [], last, think);
    promptTools = requestTools ? processed : undefined;
  }
  const fit = contextFields(body, model);
  const truncateTo = fit.truncate ? contextSizeFor(ctx, model, options) : undefined;
  const prompt = inputFor(kind, body, model, promptTools, think, truncateTo);
  const input = prompt && { ...prompt, ...fit };
  const template =
    kind === 'generate' ? (optionalString(body, 'template') ?? model.template) : model.template;
  if (input && builtin) input.preservedTokens = [...builtin.preservedTokens];
  const output = !input
    ? undefined
    : builtin
      ? builtinOutput(builtin)
      : templateOutputFor(
          input,
          think,
          requestTools,
          builtin,
          template,
          await jinjaFor(model, template, requestTools),
        );
  return {
    kind,
    name,
    stream,
    options,
    format,
    keepAliveMs,
    model,
    input,
    ...(think !== undefined ? { think } : {}),
    ...(requestTools && input ? { tools: requestTools } : {}),
    ...(output ? { output } : {}),
    ...logprobs,
  };
}
