// Anthropic Messages requests turned into /api/chat bodies, as Ollama's anthropic/anthropic.go does
// (FromMessagesRequest, convertMessage, convertTool), so /v1/messages is answered by the same pipeline as
// /api/chat. Its messages (model, max_tokens, messages) are Ollama's; the rest name the field that is wrong.
import { BadRequestError } from '../../errors.ts';
import { type Body, isObject, optionalBoolean, optionalNumber, optionalStrings } from '../validate.ts';

type OllamaMessage = {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: { id: string; function: { name: string; arguments: Record<string, unknown> } }[];
  tool_call_id?: string;
  thinking?: string;
};

type Block = Record<string, unknown>;

export type MessagesRequest = { ollama: Body; stream: boolean; estimatedTokens: number };

/** `content` as blocks: a plain string is one text block (Ollama's MessageParam.UnmarshalJSON). */
function blocksOf(content: unknown, where: string): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content) || content.some((b) => !isObject(b) || typeof b.type !== 'string')) {
    throw new BadRequestError(
      `${where}.content must be a string or a list of content blocks ({"type": "text", "text": ...}, tool_use, tool_result, ...)`,
      'messages',
    );
  }
  return content as Block[];
}

/** An image block's base64 data; URLs are refused in Ollama's words. */
function imageData(source: unknown, where: string): string {
  if (!isObject(source)) throw new BadRequestError(`${where}: invalid image source`, 'messages');
  if (source.type !== 'base64') {
    throw new BadRequestError(
      `${where}: invalid image source type: ${String(source.type)}. Only base64 images are supported.`,
      'messages',
    );
  }
  if (typeof source.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(source.data)) {
    throw new BadRequestError(`${where}: invalid base64 image data`, 'messages');
  }
  return source.data;
}

/** A tool_result's content: text, or blocks whose text is joined (images go with it, as Ollama sends them). */
function toolResultContent(content: unknown, where: string): { text: string; images: string[] } {
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  if (!Array.isArray(content)) return { text: '', images: [] };
  let text = '';
  const images: string[] = [];
  for (const b of content) {
    if (!isObject(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b.type === 'image') images.push(imageData(b.source, where));
  }
  return { text, images };
}

/**
 * One Anthropic message → Ollama messages (convertMessage): a user's tool results come first, one message each;
 * then the text, images, tool calls and thinking together as one message.
 */
function convertMessage(m: unknown, i: number): OllamaMessage[] {
  const where = `messages[${i}]`;
  if (!isObject(m)) throw new BadRequestError(`${where} must be an object with role and content`, 'messages');
  const role = typeof m.role === 'string' ? m.role.toLowerCase() : undefined;
  if (role !== 'user' && role !== 'assistant') {
    throw new BadRequestError(
      `${where}.role must be "user" or "assistant" (the system prompt goes in "system"); got ${JSON.stringify(m.role)}`,
      'messages',
    );
  }
  let text = '';
  let thinking = '';
  const images: string[] = [];
  const calls: NonNullable<OllamaMessage['tool_calls']> = [];
  const results: OllamaMessage[] = [];
  blocksOf(m.content, where).forEach((b, j) => {
    const at = `${where}.content[${j}]`;
    switch (b.type) {
      case 'text':
        if (typeof b.text === 'string') text += b.text;
        break;
      case 'image':
        images.push(imageData(b.source, at));
        break;
      case 'tool_use':
      case 'server_tool_use': {
        if (b.type === 'tool_use' && (typeof b.id !== 'string' || !b.id)) {
          throw new BadRequestError(`${at}: tool_use block missing required 'id' field`, 'messages');
        }
        if (b.type === 'tool_use' && (typeof b.name !== 'string' || !b.name)) {
          throw new BadRequestError(`${at}: tool_use block missing required 'name' field`, 'messages');
        }
        if (b.input !== undefined && b.input !== null && !isObject(b.input)) {
          throw new BadRequestError(`${at}.input must be a JSON object (the tool's arguments)`, 'messages');
        }
        calls.push({
          id: String(b.id ?? ''),
          function: { name: String(b.name ?? ''), arguments: (b.input as Record<string, unknown>) ?? {} },
        });
        break;
      }
      case 'tool_result': {
        const r = toolResultContent(b.content, at);
        results.push({
          role: 'tool',
          content: r.text,
          ...(r.images.length ? { images: r.images } : {}),
          ...(typeof b.tool_use_id === 'string' ? { tool_call_id: b.tool_use_id } : {}),
        });
        break;
      }
      case 'thinking':
        if (typeof b.thinking === 'string') thinking = b.thinking;
        break;
      // redacted_thinking, documents, search results and the like: nothing the model can read (Ollama skips them).
    }
  });
  const out: OllamaMessage[] = role === 'user' ? [...results] : [];
  if (text || images.length || calls.length || thinking) {
    out.push({
      role,
      content: text,
      ...(images.length ? { images } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(thinking ? { thinking } : {}),
    });
  }
  if (role !== 'user') out.push(...results);
  return out;
}

/** `system`: a string, or text blocks joined with nothing between them (as Ollama joins them). */
function systemMessage(system: unknown): OllamaMessage[] {
  if (system === undefined || system === null) return [];
  let content = '';
  if (typeof system === 'string') content = system;
  else if (Array.isArray(system)) {
    for (const b of system)
      if (isObject(b) && b.type === 'text' && typeof b.text === 'string') content += b.text;
  } else {
    throw new BadRequestError('system must be a string or a list of text blocks', 'system');
  }
  return content ? [{ role: 'system', content }] : [];
}

/**
 * Anthropic tools → Ollama's function tools (convertTool). Server-side web search needs Ollama's cloud, which this
 * server does not have: those tools are left out, so the model answers without them.
 */
function tools(body: Body): unknown[] | undefined {
  const list = body.tools;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new BadRequestError('tools must be a list of tool definitions', 'tools');
  const out: unknown[] = [];
  list.forEach((t, i) => {
    if (!isObject(t) || typeof t.name !== 'string' || !t.name) {
      throw new BadRequestError(
        `tools[${i}] must be {"name", "description"?, "input_schema"?}: name is required`,
        'tools',
      );
    }
    if (typeof t.type === 'string' && t.type.startsWith('web_search')) return;
    if (t.input_schema !== undefined && t.input_schema !== null && !isObject(t.input_schema)) {
      throw new BadRequestError(
        `invalid input_schema for tool ${JSON.stringify(t.name)}: not an object`,
        'tools',
      );
    }
    out.push({
      type: 'function',
      function: {
        name: t.name,
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        ...(isObject(t.input_schema) ? { parameters: t.input_schema } : {}),
      },
    });
  });
  return out;
}

/** tool_choice: checked; {"type": "none"} answers without the tools, the others leave the choice to the model. */
function toolChoiceNone(body: Body): boolean {
  const v = body.tool_choice;
  if (v === undefined || v === null) return false;
  const type = isObject(v) ? v.type : undefined;
  if (type !== 'auto' && type !== 'any' && type !== 'tool' && type !== 'none') {
    throw new BadRequestError(
      'tool_choice must be {"type": "auto"}, {"type": "any"}, {"type": "tool", "name": ...} or {"type": "none"}',
      'tool_choice',
    );
  }
  return type === 'none';
}

/**
 * thinking {"type": "enabled"} → think true, "disabled" → false (budget_tokens has no equivalent: the model
 * thinks as long as it does); else output_config.effort names a level.
 */
function think(body: Body): boolean | string | undefined {
  const t = body.thinking;
  if (t !== undefined && t !== null && (!isObject(t) || typeof t.type !== 'string')) {
    throw new BadRequestError(
      'thinking must be {"type": "enabled", "budget_tokens": n} or {"type": "disabled"}',
      'thinking',
    );
  }
  if (isObject(t) && t.type === 'enabled') return true;
  if (isObject(t) && t.type === 'disabled') return false;
  const oc = body.output_config;
  let effort = isObject(oc) && typeof oc.effort === 'string' ? oc.effort.trim().toLowerCase() : '';
  if (effort === 'xhigh') effort = 'high';
  return ['high', 'medium', 'low', 'max'].includes(effort) ? effort : undefined;
}

/** Sampling: max_tokens → num_predict, temperature, top_p, top_k, stop_sequences → stop. */
function options(body: Body, maxTokens: number): Record<string, unknown> {
  const out: Record<string, unknown> = { num_predict: maxTokens };
  const temperature = optionalNumber(body, 'temperature');
  if (temperature !== undefined) out.temperature = temperature;
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) out.top_p = topP;
  const topK = optionalNumber(body, 'top_k');
  if (topK !== undefined) {
    if (!Number.isInteger(topK)) throw new BadRequestError('top_k must be a whole number', 'top_k');
    out.top_k = topK;
  }
  const stop = optionalStrings(body, 'stop_sequences');
  if (stop?.length) out.stop = stop;
  return out;
}

/** POST /v1/messages → an /api/chat body, checked in Ollama's order (AnthropicMessagesMiddleware). */
export function fromMessagesRequest(body: Body): MessagesRequest {
  if (typeof body.model !== 'string' || !body.model) throw new BadRequestError('model is required', 'model');
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens <= 0) {
    throw new BadRequestError('max_tokens is required and must be positive', 'max_tokens');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new BadRequestError('messages is required', 'messages');
  }
  const stream = optionalBoolean(body, 'stream') ?? false;
  const messages = [...systemMessage(body.system), ...body.messages.flatMap(convertMessage)];
  const ollama: Body = { model: body.model, messages, options: options(body, maxTokens), stream: false };
  const requestTools = tools(body);
  const none = toolChoiceNone(body);
  if (requestTools?.length && !none) ollama.tools = requestTools;
  const t = think(body);
  if (t !== undefined) ollama.think = t;
  return { ollama, stream, estimatedTokens: estimateTokens(body) };
}

/** UTF-8 bytes, as Go's len() counts a string. */
const bytes = (s: string) => Buffer.byteLength(s);

function blockLength(b: Block): number {
  let n = 0;
  if (typeof b.text === 'string') n += bytes(b.text);
  if (typeof b.thinking === 'string') n += bytes(b.thinking);
  if (b.type === 'tool_use' || b.type === 'tool_result') n += bytes(JSON.stringify(b));
  return n;
}

/**
 * Ollama's EstimateCountTokens: a quarter of the characters of the system prompt, the messages (role and blocks)
 * and the tools, at least 1 when there is anything. It stands for the prompt's size where no count exists yet:
 * message_start's input_tokens and /v1/messages/count_tokens.
 */
export function estimateTokens(body: Body): number {
  let total = 0;
  const system = body.system;
  if (typeof system === 'string') total += bytes(system);
  else if (Array.isArray(system)) for (const b of system) if (isObject(b)) total += blockLength(b);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    if (typeof m.role === 'string') total += bytes(m.role);
    const content = m.content;
    if (typeof content === 'string') total += bytes(content);
    else if (Array.isArray(content)) for (const b of content) if (isObject(b)) total += blockLength(b);
  }
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isObject(t)) continue;
      if (typeof t.name === 'string') total += bytes(t.name);
      if (typeof t.description === 'string') total += bytes(t.description);
      if (t.input_schema !== undefined) total += bytes(JSON.stringify(t.input_schema));
    }
  }
  const tokens = Math.floor(total / 4);
  return tokens === 0 && (messages.length > 0 || (system !== undefined && system !== null)) ? 1 : tokens;
}
