// OpenAI Responses requests turned into /api/chat bodies, as Ollama's openai/responses.go does
// (FromResponsesRequest): input as a string or items (messages, function_call, function_call_output, reasoning),
// instructions as the system message, tools flattened from Responses' shape to Ollama's.
import { BadRequestError } from '../../errors.ts';
import { type Body, isObject, optionalNumber } from '../validate.ts';
import { requiredModel, streaming, thinkFromReasoningEffort } from './request.ts';

type OllamaToolCall = { id: string; function: { name: string; arguments: Record<string, unknown> } };
type OllamaMessage = {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_call_id?: string;
  thinking?: string;
};
type Item = Record<string, unknown>;

/** Responses' roles → Ollama's; developer is OpenAI's newer name for system. */
const ROLES: Record<string, string> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
};

/** A data: URL's base64 payload; remote URLs are refused as on /v1/chat/completions. */
function imageData(url: unknown, where: string): string {
  const m = typeof url === 'string' ? /^data:(?:image\/[\w.+-]+)?;base64,(.*)$/s.exec(url) : null;
  if (!m) {
    throw new BadRequestError(
      `${where}: image URLs are not supported, send the image inline as a data:image/...;base64 URL`,
      'input',
    );
  }
  return m[1]!;
}

/** Content parts (input_text, output_text, input_image) → text and images (convertResponsesContent). */
function content(value: unknown, where: string): { text: string; images: string[] } {
  if (value === undefined || value === null) return { text: '', images: [] };
  if (typeof value === 'string') return { text: value, images: [] };
  if (!Array.isArray(value))
    throw new BadRequestError(`${where}: content must be a string or array`, 'input');
  let text = '';
  const images: string[] = [];
  value.forEach((part, j) => {
    const at = `${where}.content[${j}]`;
    const type = isObject(part) ? part.type : undefined;
    if (!isObject(part)) throw new BadRequestError(`${at} must be a content object`, 'input');
    if (type === 'input_text' || type === 'output_text') {
      if (typeof part.text !== 'string') throw new BadRequestError(`${at}.text must be a string`, 'input');
      text += part.text;
    } else if (type === 'input_image') {
      if (part.image_url) images.push(imageData(part.image_url, at));
    } else if (type === 'input_file') {
      throw new BadRequestError(`${at}: file inputs are not currently supported`, 'input');
    } else {
      throw new BadRequestError(`${at}: unknown content type: ${String(type)}`, 'input');
    }
  });
  return { text, images };
}

function functionCall(item: Item, where: string): OllamaToolCall {
  if (typeof item.name !== 'string' || !item.name) {
    throw new BadRequestError(`${where}.name must be the function's name`, 'input');
  }
  let args: unknown = {};
  if (typeof item.arguments === 'string' && item.arguments) {
    try {
      args = JSON.parse(item.arguments);
    } catch (e) {
      throw new BadRequestError(
        `${where}: failed to parse function call arguments: ${(e as Error).message}`,
        'input',
      );
    }
  }
  if (!isObject(args)) throw new BadRequestError(`${where}.arguments must be a JSON object`, 'input');
  return {
    id: typeof item.call_id === 'string' ? item.call_id : '',
    function: { name: item.name, arguments: args },
  };
}

/** The input items → Ollama messages, in Ollama's order and merges (FromResponsesRequest). */
function itemMessages(items: unknown[]): OllamaMessage[] {
  const messages: OllamaMessage[] = [];
  // A reasoning item goes with the assistant message (or call) that follows it, as its thinking.
  let pendingThinking = '';
  const takeThinking = () => {
    const t = pendingThinking;
    pendingThinking = '';
    return t ? { thinking: t } : {};
  };
  items.forEach((raw, i) => {
    const where = `input[${i}]`;
    if (!isObject(raw)) throw new BadRequestError(`${where} must be an input item object`, 'input');
    const type = raw.type ?? (typeof raw.role === 'string' ? 'message' : undefined);
    const last = messages.at(-1);
    switch (type) {
      case 'reasoning':
        pendingThinking = typeof raw.encrypted_content === 'string' ? raw.encrypted_content : '';
        return;
      case 'message': {
        const role = typeof raw.role === 'string' ? ROLES[raw.role] : undefined;
        if (!role) {
          throw new BadRequestError(
            `${where}.role must be one of user, assistant, system, developer; got ${JSON.stringify(raw.role)}`,
            'input',
          );
        }
        const c = content(raw.content, where);
        const msg: OllamaMessage = {
          role,
          content: c.text,
          ...(c.images.length ? { images: c.images } : {}),
          ...(role === 'assistant' ? takeThinking() : {}),
        };
        // An assistant message replayed between a function_call and its output joins the call's message, so
        // the tool result follows the call it answers.
        const next = items[i + 1];
        const outputCallId =
          isObject(next) && next.type === 'function_call_output' ? next.call_id : undefined;
        if (
          role === 'assistant' &&
          outputCallId &&
          last?.role === 'assistant' &&
          last.tool_calls?.some((c) => c.id === outputCallId)
        ) {
          if (last.content && msg.content) last.content += '\n';
          last.content += msg.content;
          if (msg.images) last.images = [...(last.images ?? []), ...msg.images];
          if (msg.thinking) last.thinking = msg.thinking;
          return;
        }
        messages.push(msg);
        return;
      }
      case 'function_call': {
        const call = functionCall(raw, where);
        if (last?.role === 'assistant') {
          last.tool_calls = [...(last.tool_calls ?? []), call];
          Object.assign(last, takeThinking());
        } else messages.push({ role: 'assistant', content: '', tool_calls: [call], ...takeThinking() });
        return;
      }
      case 'function_call_output': {
        const c = content(raw.output, where);
        messages.push({
          role: 'tool',
          content: c.text,
          ...(c.images.length ? { images: c.images } : {}),
          ...(typeof raw.call_id === 'string' ? { tool_call_id: raw.call_id } : {}),
        });
        return;
      }
      case 'web_search_call':
        return; // history of a server-side search: the assistant message after it carries what it found
      case undefined:
        throw new BadRequestError(`${where}: input item missing required 'type' field`, 'input');
      default:
        throw new BadRequestError(`${where}: unknown input item type: ${JSON.stringify(type)}`, 'input');
    }
  });
  if (pendingThinking) messages.push({ role: 'assistant', content: '', thinking: pendingThinking });
  return messages;
}

/** One Responses tool → Ollama function tools; a namespace's members get its name as a prefix (convertTools). */
function convertTool(t: unknown, where: string): unknown[] {
  if (!isObject(t) || typeof t.type !== 'string') {
    throw new BadRequestError(`${where} must be {"type": "function", "name", "parameters", ...}`, 'tools');
  }
  if (t.type === 'web_search') return []; // needs Ollama's cloud, which this server does not have
  if (t.type === 'namespace') {
    const members = Array.isArray(t.tools) ? t.tools : [];
    return members.flatMap((m, j) =>
      convertTool(m, `${where}.tools[${j}]`).map((tool) => {
        const fn = (tool as { function: { name: string } }).function;
        const prefix = `${String(t.name ?? '')}.`;
        if (t.name && !fn.name.startsWith(prefix)) fn.name = prefix + fn.name;
        return tool;
      }),
    );
  }
  if (typeof t.name !== 'string' || !t.name) throw new BadRequestError(`${where}.name is required`, 'tools');
  if (t.parameters !== undefined && t.parameters !== null && !isObject(t.parameters)) {
    throw new BadRequestError(`${where}.parameters must be a JSON schema object`, 'tools');
  }
  return [
    {
      type: t.type,
      function: {
        name: t.name,
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        ...(isObject(t.parameters) ? { parameters: t.parameters } : {}),
      },
    },
  ];
}

/** tool_choice: Ollama ignores it; here "none" answers without the tools, as on /v1/chat/completions. */
function toolChoiceNone(body: Body): boolean {
  const v = body.tool_choice;
  if (v === undefined || v === null || isObject(v)) return false;
  if (v === 'none' || v === 'auto' || v === 'required') return v === 'none';
  throw new BadRequestError(
    'tool_choice must be "none", "auto", "required" or a tool to call',
    'tool_choice',
  );
}

/** POST /v1/responses → an /api/chat body. */
export function fromResponsesRequest(body: Body): { ollama: Body; stream: boolean } {
  const model = requiredModel(body);
  const messages: OllamaMessage[] = [];
  const instructions = body.instructions;
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') {
    throw new BadRequestError('instructions must be a string', 'instructions');
  }
  if (instructions) messages.push({ role: 'system', content: instructions });
  const input = body.input;
  if (typeof input === 'string') {
    if (input) messages.push({ role: 'user', content: input });
  } else if (Array.isArray(input)) messages.push(...itemMessages(input));
  else throw new BadRequestError('input is required: a string or a list of input items', 'input');

  // OpenAI's default temperature is 1; top_p only when given (the model's own default otherwise), as Ollama.
  const options: Record<string, unknown> = { temperature: optionalNumber(body, 'temperature') ?? 1 };
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) options.top_p = topP;
  const max = optionalNumber(body, 'max_output_tokens');
  if (max !== undefined) {
    if (!Number.isInteger(max))
      throw new BadRequestError('max_output_tokens must be a whole number', 'max_output_tokens');
    options.num_predict = max;
  }

  const ollama: Body = { model, messages, options, stream: false };
  const none = toolChoiceNone(body);
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw new BadRequestError('tools must be a list of tools', 'tools');
    const tools = body.tools.flatMap((t, i) => convertTool(t, `tools[${i}]`));
    if (tools.length && !none) ollama.tools = tools;
  }
  const format = isObject(body.text) ? body.text.format : undefined;
  if (isObject(format) && format.type === 'json_schema' && isObject(format.schema))
    ollama.format = format.schema;
  const think = thinkFromReasoningEffort(body);
  if (think !== undefined) ollama.think = think;
  return { ollama, stream: streaming(body).stream };
}
