// OpenAI requests turned into Ollama's, as Ollama's openai/openai.go does (FromChatRequest,
// FromCompleteRequest), so /v1 answers come from the same code as /api/chat and /api/generate. Fields OpenAI
// has and Ollama lacks are ignored as Ollama ignores them; a field we cannot honour (n > 1, images by URL) is
// a 400 naming it.
import { BadRequestError } from '../../errors.ts';
import type { Body } from '../validate.ts';

export type Streaming = { stream: boolean; includeUsage: boolean };

type OllamaToolCall = { id?: string; function: { name: string; arguments: unknown } };
type OllamaMessage = {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
  thinking?: string;
};

function optionalNumber(body: Body, field: string, integer = false): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new BadRequestError(
      `${field} must be ${integer ? 'a whole number' : 'a number'}, not ${JSON.stringify(v)}`,
      field,
    );
  }
  return v;
}

export function requiredModel(body: Body): string {
  const v = body.model;
  if (typeof v !== 'string' || !v.trim()) {
    throw new BadRequestError('model is required: the name of a model in /v1/models', 'model');
  }
  return v.trim();
}

export function streaming(body: Body): Streaming {
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    throw new BadRequestError(`stream must be true or false, not ${JSON.stringify(stream)}`, 'stream');
  }
  const o = body.stream_options;
  const includeUsage =
    typeof o === 'object' && o !== null && (o as Record<string, unknown>).include_usage === true;
  // OpenAI's default is one JSON answer; Ollama's is a stream.
  return { stream: stream === true, includeUsage };
}

/** n (several answers per request) is not supported: llama.cpp would generate them one after another anyway. */
function rejectSeveralChoices(body: Body): void {
  const n = optionalNumber(body, 'n', true);
  if (n !== undefined && n !== 1) {
    throw new BadRequestError(`n=${n} is not supported: ask for one answer per request (n=1)`, 'n');
  }
}

/** Sampling fields → Ollama options; OpenAI's defaults (temperature 1, top_p 1) apply, as in Ollama. */
function options(body: Body): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const stop = body.stop;
  if (typeof stop === 'string') out.stop = [stop];
  else if (Array.isArray(stop)) {
    if (stop.some((s) => typeof s !== 'string')) {
      throw new BadRequestError('stop must be a string or a list of strings', 'stop');
    }
    out.stop = stop;
  } else if (stop !== undefined && stop !== null) {
    throw new BadRequestError('stop must be a string or a list of strings', 'stop');
  }
  // max_completion_tokens replaced max_tokens in OpenAI's API; either caps the answer.
  const maxTokens =
    optionalNumber(body, 'max_completion_tokens', true) ?? optionalNumber(body, 'max_tokens', true);
  if (maxTokens !== undefined) out.num_predict = maxTokens;
  out.temperature = optionalNumber(body, 'temperature') ?? 1;
  out.top_p = optionalNumber(body, 'top_p') ?? 1;
  const seed = optionalNumber(body, 'seed', true);
  if (seed !== undefined) out.seed = seed;
  const frequency = optionalNumber(body, 'frequency_penalty');
  if (frequency !== undefined) out.frequency_penalty = frequency;
  const presence = optionalNumber(body, 'presence_penalty');
  if (presence !== undefined) out.presence_penalty = presence;
  return out;
}

/** response_format → Ollama's format: "json" for json_object, the schema itself for json_schema. */
function format(body: Body): unknown {
  const rf = body.response_format;
  if (rf === undefined || rf === null) return undefined;
  const type = typeof rf === 'object' ? (rf as Record<string, unknown>).type : undefined;
  if (type === 'text') return undefined;
  if (type === 'json_object') return 'json';
  if (type === 'json_schema') {
    const js = (rf as Record<string, unknown>).json_schema;
    const schema = typeof js === 'object' && js !== null ? (js as Record<string, unknown>).schema : undefined;
    if (typeof schema !== 'object' || schema === null) {
      throw new BadRequestError(
        'response_format.json_schema.schema must be a JSON schema object',
        'response_format',
      );
    }
    return schema;
  }
  throw new BadRequestError(
    'response_format.type must be "text", "json_object" or "json_schema"',
    'response_format',
  );
}

/** A data: URL's base64 payload (Ollama takes images as base64); a remote URL is refused, as Ollama does. */
function imageData(part: Record<string, unknown>, where: string): string {
  const iu = part.image_url;
  const url = typeof iu === 'string' ? iu : (iu as Record<string, unknown> | undefined)?.url;
  if (typeof url !== 'string')
    throw new BadRequestError(`${where}.image_url.url must be a string`, 'messages');
  const m = /^data:(?:image\/[\w.+-]+)?;base64,(.*)$/s.exec(url);
  if (!m) {
    throw new BadRequestError(
      `${where}: image URLs are not supported, send the image inline as a data:image/...;base64 URL`,
      'messages',
    );
  }
  return m[1]!;
}

const ROLES: Record<string, string> = {
  system: 'system',
  developer: 'system', // OpenAI's newer name for the system role
  user: 'user',
  assistant: 'assistant',
  tool: 'tool',
};

/** An assistant's OpenAI tool calls (arguments as JSON text) → Ollama's (arguments as an object). */
function toolCalls(value: unknown, where: string): OllamaToolCall[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new BadRequestError(`${where}.tool_calls must be a list`, 'messages');
  return value.map((c, k) => {
    const call = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const fn = (call.function ?? {}) as Record<string, unknown>;
    if (typeof fn.name !== 'string') {
      throw new BadRequestError(`${where}.tool_calls[${k}].function.name must be a string`, 'messages');
    }
    let args: unknown = {};
    try {
      if (typeof fn.arguments === 'string' && fn.arguments.trim()) args = JSON.parse(fn.arguments);
    } catch {
      throw new BadRequestError(`${where}.tool_calls[${k}].function.arguments must be JSON text`, 'messages');
    }
    return {
      ...(typeof call.id === 'string' ? { id: call.id } : {}),
      function: { name: fn.name, arguments: args },
    };
  });
}

/** The function a tool message answers: its `name`, or the call its tool_call_id names (the last one wins). */
function toolName(list: unknown[], m: Record<string, unknown>): string | undefined {
  if (typeof m.name === 'string' && m.name) return m.name;
  if (typeof m.tool_call_id !== 'string') return undefined;
  for (const earlier of [...list].reverse()) {
    const calls = (earlier as Record<string, unknown>)?.tool_calls;
    if (!Array.isArray(calls)) continue;
    const call = calls.find((c) => (c as Record<string, unknown>)?.id === m.tool_call_id) as
      | { function?: { name?: unknown } }
      | undefined;
    if (typeof call?.function?.name === 'string') return call.function.name;
  }
  return undefined;
}

/** OpenAI messages → Ollama's: content parts become one message each, as Ollama splits them. */
function messages(body: Body): OllamaMessage[] {
  const list = body.messages;
  if (!Array.isArray(list) || list.length === 0) {
    throw new BadRequestError('messages must be a non-empty list of {"role", "content"} objects', 'messages');
  }
  const out: OllamaMessage[] = [];
  list.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (typeof m !== 'object' || m === null) {
      throw new BadRequestError(`${where} must be an object with role and content`, 'messages');
    }
    const fields = m as Record<string, unknown>;
    const { role, content } = fields;
    const ollamaRole = typeof role === 'string' ? ROLES[role] : undefined;
    if (!ollamaRole) {
      throw new BadRequestError(
        `${where}.role must be one of system, developer, user, assistant, tool; got ${JSON.stringify(role)}`,
        'messages',
      );
    }
    const calls = toolCalls(fields.tool_calls, where);
    const name = ollamaRole === 'tool' ? toolName(list, fields) : undefined;
    const extra = {
      ...(calls ? { tool_calls: calls } : {}),
      ...(name ? { tool_name: name } : {}),
      ...(typeof fields.tool_call_id === 'string' && fields.tool_call_id
        ? { tool_call_id: fields.tool_call_id }
        : {}),
      // An earlier answer's reasoning goes back as its thinking, as Ollama's /v1 does.
      ...(typeof fields.reasoning === 'string' && fields.reasoning ? { thinking: fields.reasoning } : {}),
    };
    if (typeof content === 'string' || content === null || content === undefined) {
      out.push({ role: ollamaRole, content: content ?? '', ...extra });
      return;
    }
    if (!Array.isArray(content)) {
      throw new BadRequestError(`${where}.content must be a string or a list of content parts`, 'messages');
    }
    content.forEach((part, j) => {
      const p = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
      if (p.type === 'text' && typeof p.text === 'string') out.push({ role: ollamaRole, content: p.text });
      else if (p.type === 'image_url') {
        out.push({ role: ollamaRole, content: '', images: [imageData(p, `${where}.content[${j}]`)] });
      } else {
        throw new BadRequestError(
          `${where}.content[${j}] must be {"type": "text", "text": ...} or {"type": "image_url", ...}`,
          'messages',
        );
      }
    });
    // Tool calls and the tool name go on the last message of the parts, as Ollama puts them.
    Object.assign(out[out.length - 1] ?? {}, extra);
  });
  return out;
}

/** /v1/chat/completions → an /api/chat body. */
export function fromChatRequest(body: Body): { ollama: Body; streaming: Streaming } {
  rejectSeveralChoices(body);
  const ollama: Body = {
    model: requiredModel(body),
    messages: messages(body),
    options: options(body),
    stream: false,
  };
  const f = format(body);
  if (f !== undefined) ollama.format = f;
  // Tools keep OpenAI's function shape, which is Ollama's too; the model's template renders them.
  // tool_choice "none" answers without them; "auto" (the default) and the others let the model choose.
  if (body.tools !== undefined && body.tools !== null && toolChoice(body) !== 'none')
    ollama.tools = body.tools;
  const think = thinkFromReasoningEffort(body);
  if (think !== undefined) ollama.think = think;
  // logprobs (a boolean) and top_logprobs pass on as they are; /api/chat checks them (openai.go FromChatRequest).
  if (body.logprobs !== undefined && body.logprobs !== null) ollama.logprobs = body.logprobs;
  if (body.top_logprobs !== undefined && body.top_logprobs !== null) ollama.top_logprobs = body.top_logprobs;
  return { ollama, streaming: streaming(body) };
}

function toolChoice(body: Body): string | undefined {
  const v = body.tool_choice;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    if (['none', 'auto', 'required'].includes(v)) return v;
    throw new BadRequestError(
      'tool_choice must be "none", "auto", "required" or a function to call',
      'tool_choice',
    );
  }
  if (typeof v === 'object') return 'function';
  throw new BadRequestError(
    'tool_choice must be "none", "auto", "required" or a function to call',
    'tool_choice',
  );
}

/**
 * reasoning_effort (or reasoning.effort) → Ollama's think, as openai.go's thinkFromReasoningEffort maps it:
 * "none" turns thinking off, OpenAI's tiers beyond Ollama's are clamped to the nearest.
 */
export function thinkFromReasoningEffort(body: Body): boolean | string | undefined {
  const reasoning = body.reasoning;
  const effort =
    typeof reasoning === 'object' && reasoning !== null
      ? (reasoning as Record<string, unknown>).effort
      : body.reasoning_effort;
  if (effort === undefined || effort === null || effort === '') return undefined;
  switch (effort) {
    case 'none':
      return false;
    case 'minimal':
      return 'low';
    case 'low':
    case 'medium':
    case 'high':
    case 'max':
      return effort as string;
    case 'xhigh':
    case 'ultra':
      return 'max';
    default:
      throw new BadRequestError(
        `invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`,
        'reasoning_effort',
      );
  }
}

/** /v1/completions → an /api/generate body. */
export function fromCompletionRequest(body: Body): { ollama: Body; streaming: Streaming } {
  rejectSeveralChoices(body);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1) prompt = prompt[0];
  if (typeof prompt !== 'string' || prompt === '') {
    throw new BadRequestError(
      Array.isArray(prompt)
        ? 'prompt must be one string: send several prompts as several requests (token ids are not supported)'
        : 'prompt is required: a non-empty string',
      'prompt',
    );
  }
  const ollama: Body = { model: requiredModel(body), prompt, options: options(body), stream: false };
  if (typeof body.suffix === 'string' && body.suffix) ollama.suffix = body.suffix;
  Object.assign(ollama, completionLogprobs(body));
  return { ollama, streaming: streaming(body) };
}

/**
 * /v1/completions' `logprobs` is a number: how many likeliest tokens to return; above 0 it asks for log
 * probabilities with that many alternatives (openai.go FromCompleteRequest; /api/generate bounds it).
 */
function completionLogprobs(body: Body): Body {
  const v = body.logprobs;
  if (v === undefined || v === null) return {};
  if (!Number.isInteger(v))
    throw new BadRequestError(`logprobs must be a whole number, not ${JSON.stringify(v)}`, 'logprobs');
  return (v as number) > 0 ? { logprobs: true, top_logprobs: v } : {};
}

export type EmbeddingRequest = {
  model: string;
  inputs: string[];
  dimensions?: number;
  encoding: 'float' | 'base64';
};

/** /v1/embeddings: text inputs (token ids are not supported), optional dimensions and encoding_format. */
export function fromEmbeddingRequest(body: Body): EmbeddingRequest {
  const model = requiredModel(body);
  const input = body.input;
  const inputs = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new BadRequestError('input is required: a string or a non-empty list of strings', 'input');
  }
  if (inputs.some((s) => typeof s !== 'string')) {
    throw new BadRequestError('input must be text: a string or a list of strings (not token ids)', 'input');
  }
  if (inputs.some((s) => s === '')) throw new BadRequestError('input must not hold empty strings', 'input');
  const dimensions = optionalNumber(body, 'dimensions', true);
  if (dimensions !== undefined && dimensions < 1) {
    throw new BadRequestError('dimensions must be at least 1', 'dimensions');
  }
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    throw new BadRequestError('encoding_format must be "float" or "base64"', 'encoding_format');
  }
  return { model, inputs: inputs as string[], dimensions, encoding };
}
