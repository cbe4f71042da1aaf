// Gemma 4's prompt as Ollama's Gemma4Renderer writes it (model/renderers/gemma4.go), which follows Google's
// chat template: <|turn>role … <turn|> turns, <|"|> as the string delimiter, tools declared in the system turn
// as <|tool>declaration:name{…}<tool|>, calls as <|tool_call>call:name{…}<tool_call|> and their results as
// <|tool_response>response:name{value:…}<tool_response|> inside the same model turn. The large checkpoints
// (12b and up) take an empty thought block when thinking is off.
import type { ThinkValue } from '../parsers/builtinParser.ts';
import { goFloat, goV } from '../template/goValues.ts';
import type { TemplateMessage } from '../template/prompt.ts';
import type { ToolDefinition } from '../tools/types.ts';
import { renderContentWithImageTags } from './image_tags.ts';
import type { Renderer } from './renderer.ts';

/** The think values that turn thinking on (api.ThinkValue.Bool). */
const THINK_LEVELS = ['low', 'medium', 'high', 'max'];
/** Gemma 4's string delimiter. */
const Q = '<|"|>';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

type Call = { id?: string; function: { name: string; arguments: Obj } };

/** A tool property as Go's api.ToolProperty decodes it: only its known fields, `type` always a list. */
type ToolProperty = {
  anyOf?: ToolProperty[];
  type?: string[];
  items?: unknown;
  description?: string;
  enum?: unknown[];
  properties?: Record<string, ToolProperty>;
  required?: string[];
};

function toolProperty(raw: unknown): ToolProperty {
  const p = isObj(raw) ? raw : {};
  const out: ToolProperty = {};
  if (Array.isArray(p.anyOf) && p.anyOf.length > 0) out.anyOf = p.anyOf.map(toolProperty);
  if (typeof p.type === 'string') out.type = [p.type];
  else if (Array.isArray(p.type) && p.type.length > 0) out.type = p.type.filter((t) => typeof t === 'string');
  if (p.items !== undefined && p.items !== null) out.items = p.items;
  if (typeof p.description === 'string' && p.description !== '') out.description = p.description;
  if (Array.isArray(p.enum) && p.enum.length > 0) out.enum = p.enum;
  if (isObj(p.properties)) out.properties = toolProperties(p.properties);
  if (Array.isArray(p.required) && p.required.length > 0) out.required = stringsOf(p.required);
  return out;
}

const toolProperties = (raw: Obj): Record<string, ToolProperty> =>
  Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, toolProperty(v)]));

const stringsOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

const sortedKeys = (m: Obj) => Object.keys(m).sort();

export class Gemma4Renderer implements Renderer {
  constructor(
    private readonly useImgTags: boolean,
    private readonly emptyBlockOnNothink: boolean,
  ) {}

  render(
    messages: TemplateMessage[],
    tools: ToolDefinition[] | undefined,
    think: ThinkValue | undefined,
  ): string {
    const imageOffset = { next: 0 };
    // Gemma 4's tokenizer does not add BOS itself (add_bos_token=false), so the prompt carries it, as the
    // model's chat template does.
    let sb = '<bos>';
    const hasSystemRole =
      messages.length > 0 && (messages[0]!.role === 'system' || messages[0]!.role === 'developer');
    const systemMessage = hasSystemRole ? messages[0]!.content : '';
    const loopMessages = hasSystemRole ? messages.slice(1) : messages;

    // A system turn when there is a system or developer message, tools, or thinking.
    const hasThink = think === true || THINK_LEVELS.includes(think as string);
    const toolList = tools ?? [];
    if (hasSystemRole || toolList.length > 0 || hasThink) {
      sb += '<|turn>system\n';
      if (hasThink) sb += '<|think|>\n';
      if (systemMessage) sb += systemMessage.trim();
      for (const tool of toolList) sb += this.renderToolDeclaration(tool);
      sb += '<turn|>\n';
    }

    let lastUserIdx = -1;
    loopMessages.forEach((m, i) => {
      if (m.role === 'user') lastUserIdx = i;
    });

    let prevMessageType = '';
    let prevNonToolRole = '';
    // Tool results are folded into the model turn that made the calls, and adjacent assistant messages continue
    // the same model turn.
    loopMessages.forEach((message, i) => {
      if (message.role === 'tool') return;
      prevMessageType = '';
      const role = message.role === 'assistant' ? 'model' : message.role;
      const continueSameModelTurn = role === 'model' && prevNonToolRole === 'assistant';
      if (!continueSameModelTurn) sb += `<|turn>${role}\n`;

      if (message.role === 'assistant' && message.thinking && i > lastUserIdx) {
        sb += `<|channel>thought\n${message.thinking}\n<channel|>`;
      }

      const toolCalls = callsOf(message);
      if (toolCalls.length > 0) {
        for (const tc of toolCalls) sb += this.formatToolCall(tc);
        prevMessageType = 'tool_call';
      }

      let toolResponsesEmitted = false;
      if (toolCalls.length > 0) {
        for (let k = i + 1; k < loopMessages.length && loopMessages[k]!.role === 'tool'; k++) {
          const response = this.renderContent(
            loopMessages[k]!,
            loopMessages[k]!.content ?? '',
            imageOffset,
            false,
          );
          sb += this.formatToolResponseBlock(this.toolResponseName(loopMessages[k]!, toolCalls), response);
          toolResponsesEmitted = true;
          prevMessageType = 'tool_response';
        }
      }

      let messageHadContent = false;
      const imageCount = message.images?.length ?? 0;
      if (role === 'model') {
        if (message.content || imageCount > 0) {
          const content = stripThinking(message.content ?? '');
          sb += this.renderContent(message, content, imageOffset, false);
          messageHadContent = content.trim() !== '' || imageCount > 0;
        }
      } else {
        sb += this.renderContent(message, message.content ?? '', imageOffset, true);
        messageHadContent = (message.content ?? '').trim() !== '' || imageCount > 0;
      }

      const nextNonToolRole = nextNonToolRoleAfter(loopMessages, i);
      const continuesIntoNext =
        role === 'model' &&
        nextNonToolRole === 'assistant' &&
        (toolCalls.length === 0 || toolResponsesEmitted);
      if (prevMessageType === 'tool_call' && !toolResponsesEmitted) {
        sb += '<|tool_response>';
      } else if (
        !continuesIntoNext &&
        !(toolResponsesEmitted && !messageHadContent && nextNonToolRole === '')
      ) {
        sb += '<turn|>\n';
      }
      prevNonToolRole = message.role;
    });

    // The generation prompt: a new model turn, unless the last turn is a model turn waiting on its tools.
    if (prevMessageType !== 'tool_response' && prevMessageType !== 'tool_call') {
      sb += '<|turn>model\n';
      if (this.emptyBlockOnNothink && !hasThink) sb += '<|channel>thought\n<channel|>';
    } else if (prevMessageType === 'tool_response' && hasThink) {
      sb += '<|channel>thought\n';
    }
    return sb;
  }

  // A message's text, with [img-N] tags for its images; trimmed for everything but model turns, as the
  // template's `| trim` does.
  private renderContent(msg: TemplateMessage, content: string, imageOffset: { next: number }, trim: boolean) {
    let text = trim ? content.trim() : content;
    const imageCount = msg.images?.length ?? 0;
    if (imageCount > 0 && this.useImgTags) {
      [text, imageOffset.next] = renderContentWithImageTags(text, imageCount, imageOffset.next);
    }
    return text;
  }

  // The tool a result answers: the call its tool_call_id names, else its tool_name, else "unknown".
  private toolResponseName(message: TemplateMessage, toolCalls: Call[]): string {
    let name = message.tool_name || 'unknown';
    if (message.tool_call_id) {
      const tc = toolCalls.find((c) => c.id === message.tool_call_id);
      if (tc) name = tc.function.name;
    }
    return name;
  }

  private renderToolDeclaration(tool: ToolDefinition): string {
    const fn = tool.function ?? {};
    const params = isObj(fn.parameters) ? fn.parameters : {};
    const paramType = typeof params.type === 'string' ? params.type : '';
    const props = isObj(params.properties) ? toolProperties(params.properties) : undefined;
    const required = stringsOf(params.required);
    let sb = `<|tool>declaration:${fn.name ?? ''}{description:${Q}${fn.description ?? ''}${Q}`;
    if (props !== undefined || paramType !== '') {
      sb += ',parameters:{';
      let needsComma = false;
      if (props !== undefined && Object.keys(props).length > 0) {
        sb += `properties:{${this.writeSchemaProperties(typedSchemaPropertiesMap(props))}}`;
        needsComma = true;
      }
      if (required.length > 0) {
        if (needsComma) sb += ',';
        sb += `required:[${required.map((r) => Q + r + Q).join(',')}]`;
        needsComma = true;
      }
      if (paramType !== '') {
        if (needsComma) sb += ',';
        sb += `type:${Q}${paramType.toUpperCase()}${Q}`;
      }
      sb += '}';
    }
    return `${sb}}<tool|>`;
  }

  // An array property's `items`, keys sorted as the template's dictsort has them.
  private writeSchemaItemsSpec(items: Obj): string {
    const parts: string[] = [];
    for (const key of sortedKeys(items)) {
      const value = items[key];
      if (value === null || value === undefined) continue;
      if (key === 'properties') {
        parts.push(`properties:{${isObj(value) ? this.writeSchemaProperties(value) : ''}}`);
      } else if (key === 'required') {
        parts.push(
          `required:[${stringsOf(value)
            .map((r) => Q + r + Q)
            .join(',')}]`,
        );
      } else if (key === 'type') {
        const typeNames = normalizeTypeNames(value);
        if (typeNames.length === 1) parts.push(`type:${Q}${typeNames[0]}${Q}`);
        else if (typeNames.length > 1) parts.push(`type:[${typeNames.map((t) => Q + t + Q).join(',')}]`);
        // Go writes the comma before knowing the type list is empty.
        else parts.push('');
      } else {
        parts.push(`${key}:${this.formatSchemaValue(value)}`);
      }
    }
    return parts.join(',');
  }

  private writeSchemaProperties(props: Obj): string {
    const out: string[] = [];
    for (const name of sortedKeys(props)) {
      if (isSchemaStandardKey(name)) continue;
      const prop = props[name];
      if (!isObj(prop)) continue;
      const fields: string[] = [];
      if (typeof prop.description === 'string' && prop.description !== '') {
        fields.push(`description:${Q}${prop.description}${Q}`);
      }
      const typeNames = normalizeTypeNames(prop.type);
      const typeName = typeNames[0] ?? '';
      if (typeName === 'STRING') {
        const enumValues = Array.isArray(prop.enum) ? prop.enum : [];
        if (enumValues.length > 0) fields.push(`enum:[${enumValues.map((v) => Q + goV(v) + Q).join(',')}]`);
      } else if (typeName === 'ARRAY') {
        if (isObj(prop.items) && Object.keys(prop.items).length > 0) {
          fields.push(`items:{${this.writeSchemaItemsSpec(prop.items)}}`);
        }
      }
      if (prop.nullable === true) fields.push('nullable:true');
      if (typeName === 'OBJECT') {
        // An object without `properties` lists its own non-standard keys as properties, as the template does.
        const nested = isObj(prop.properties) ? prop.properties : prop;
        fields.push(`properties:{${this.writeSchemaProperties(nested)}}`);
        const required = stringsOf(prop.required);
        if (required.length > 0) fields.push(`required:[${required.map((r) => Q + r + Q).join(',')}]`);
      }
      if (typeNames.length === 1) fields.push(`type:${Q}${typeNames[0]}${Q}`);
      else if (typeNames.length > 1) fields.push(`type:[${typeNames.map((t) => Q + t + Q).join(',')}]`);
      out.push(`${name}:{${fields.join(',')}}`);
    }
    return out.join(',');
  }

  private formatToolCall(tc: Call): string {
    const args = tc.function.arguments;
    const body = sortedKeys(args)
      .map((key) => `${key}:${this.formatArgValue(args[key])}`)
      .join(',');
    return `<|tool_call>call:${tc.function.name}{${body}}<tool_call|>`;
  }

  private formatToolResponseBlock(toolName: string, response: string): string {
    return `<|tool_response>response:${toolName}{value:${this.formatArgValue(response)}}<tool_response|>`;
  }

  // A call's argument: strings delimited, maps with bare sorted keys.
  private formatArgValue(value: unknown): string {
    return formatValue(value, (m) => sortedKeys(m).map((k) => `${k}:${this.formatArgValue(m[k])}`));
  }

  // A schema's other keywords (default, …): as arguments, but with delimited keys.
  private formatSchemaValue(value: unknown): string {
    return formatValue(value, (m) =>
      sortedKeys(m).map((k) => `${Q}${k}${Q}:${this.formatSchemaValue(m[k])}`),
    );
  }
}

/** Go's formatArgValue/formatSchemaValue: a JSON value in Gemma's syntax; `entries` writes a map's members. */
function formatValue(value: unknown, entries: (m: Obj) => string[]): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return Q + value + Q;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, entries)).join(',')}]`;
  if (isObj(value)) return `{${entries(value).join(',')}}`;
  return goV(value);
}

/** A float64 that is a whole int64 prints as one (%d); any other as Go's %v. */
function formatNumber(v: number): string {
  if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) return BigInt(v).toString();
  return goFloat(v);
}

function callsOf(message: TemplateMessage): Call[] {
  const calls = (message.tool_calls ?? []) as {
    id?: string;
    function?: { name?: string; arguments?: unknown };
  }[];
  return calls.map((c) => ({
    ...(c.id ? { id: c.id } : {}),
    function: {
      name: c.function?.name ?? '',
      arguments: isObj(c.function?.arguments) ? c.function.arguments : {},
    },
  }));
}

function nextNonToolRoleAfter(messages: TemplateMessage[], idx: number): string {
  for (let i = idx + 1; i < messages.length; i++) if (messages[i]!.role !== 'tool') return messages[i]!.role;
  return '';
}

/** Removes <|channel>…<channel|> thinking blocks from earlier answers, as the template's strip_thinking does. */
export function stripThinking(text: string): string {
  let result = '';
  for (;;) {
    const start = text.indexOf('<|channel>');
    if (start === -1) {
      result += text;
      break;
    }
    result += text.slice(0, start);
    const end = text.indexOf('<channel|>', start);
    if (end === -1) break;
    text = text.slice(end + '<channel|>'.length);
  }
  return result.trim();
}

/** The top-level properties, in the typed form the template sees (a union type printed as one string). */
function typedSchemaPropertiesMap(props: Record<string, ToolProperty>): Obj {
  return Object.fromEntries(Object.entries(props).map(([k, p]) => [k, topLevelTypedSchemaValue(p)]));
}

function topLevelTypedSchemaValue(prop: ToolProperty): Obj {
  const out: Obj = {};
  // A union such as ["string", "null"] reaches the template as the text of a list (['STRING', 'NULL']):
  // odd, but that is what Google's template writes. A simple anyOf of bare types is lowered to the same.
  const types = prop.type?.length ? prop.type : simpleAnyOfTypes(prop);
  if (types)
    out.type = types.length === 1 ? types[0] : `[${types.map((t) => `'${t.toUpperCase()}'`).join(', ')}]`;
  if (prop.description) out.description = prop.description;
  if (prop.enum) out.enum = prop.enum;
  if (prop.items !== undefined) out.items = prop.items;
  if (prop.properties) out.properties = typedSchemaPropertiesMap(prop.properties);
  if (prop.required) out.required = prop.required;
  return out;
}

function simpleAnyOfTypes(prop: ToolProperty): string[] | undefined {
  if (!prop.anyOf?.length) return undefined;
  const out: string[] = [];
  for (const branch of prop.anyOf) {
    if (!isBareTypeOnly(branch)) return undefined;
    for (const t of branch.type!) if (!out.includes(t)) out.push(t);
  }
  return out.length > 0 ? out : undefined;
}

const isBareTypeOnly = (p: ToolProperty) =>
  !p.anyOf &&
  (p.type?.length ?? 0) > 0 &&
  p.items === undefined &&
  !p.description &&
  !p.enum &&
  !p.properties &&
  !p.required;

const isSchemaStandardKey = (key: string) =>
  key === 'description' || key === 'type' || key === 'properties' || key === 'required' || key === 'nullable';

function normalizeTypeNames(value: unknown): string[] {
  if (typeof value === 'string') return [value.toUpperCase()];
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === 'string').map((v) => v.toUpperCase());
  return [];
}
