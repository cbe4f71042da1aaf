// Qwen3-Coder's prompt as Ollama's Qwen3CoderRenderer writes it (model/renderers/qwen3coder.go), a port of
// Qwen's reference chat template: ChatML, the first system message (or a default one when there are tools), the
// tools as XML-like <function> blocks with the call format spelled out, calls written back in that format, and
// consecutive tool results sharing one user turn. The family does not think: `think` changes nothing.
//
// Values print as Go prints them: JSON from encoding/json (object keys sorted, <, > and & escaped), other
// values with %v (numbers as 1e+06 from a million). A tool's types and extra schema keys come from Ollama's
// api.ToolProperty and api.ToolFunctionParameters structs, so keys those structs lack (minimum, default, …)
// are not shown, as in Ollama.

import { goFloat, goJson, sortedDeep, type TemplateProperty, templateTools } from '../template/goValues.ts';
import type { TemplateMessage } from '../template/prompt.ts';
import type { ToolDefinition } from '../tools/types.ts';
import type { Renderer } from './renderer.ts';

const IM_START = '<|im_start|>';
const IM_END = '<|im_end|>';

// The reference implementation's system message for a conversation that has tools but no system message.
const DEFAULT_SYSTEM =
  'You are Qwen, a helpful AI assistant that can interact with a computer to solve tasks.';

const CALL_INSTRUCTIONS =
  '\n\nIf you choose to call a function ONLY reply in the following format with NO suffix:\n\n' +
  '<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</parameter>\n' +
  '<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can span\nmultiple lines\n' +
  '</parameter>\n</function>\n</tool_call>\n\n<IMPORTANT>\nReminder:\n' +
  '- Function calls MUST follow the specified format: an inner <function=...></function> block must be nested within <tool_call></tool_call> XML tags\n' +
  '- Required parameters MUST be specified\n' +
  '- You may provide optional reasoning for your function call in natural language BEFORE the function call, but NOT after\n' +
  '- If there is no function call available, answer the question like normal with your current knowledge and do not tell the user about function calls\n' +
  '</IMPORTANT>';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value decoded into Go's `any` and printed with %v (its simple types only: strings, numbers, booleans). */
const goSimple = (v: unknown) => (typeof v === 'number' ? goFloat(v) : String(v));

/**
 * Ollama's renderAdditionalKeys: every key of a struct's JSON but the handled ones, as `<key>value</key>`.
 * Ollama walks a Go map, whose order is random; here the keys come in the struct's field order.
 */
export function renderAdditionalKeys(json: Obj, handled: readonly string[]): string {
  let out = '';
  for (const [key, value] of Object.entries(json)) {
    if (handled.includes(key) || value === null || value === undefined) continue;
    const text = typeof value === 'object' ? goJson(sortedDeep(value)) : goSimple(value);
    out += `\n<${key}>${text}</${key}>`;
  }
  return out;
}

/** Ollama's formatToolCallArgument: strings as they are, objects and arrays as JSON, the rest with %v. */
export function formatToolCallArgument(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return goJson(sortedDeep(value));
  return goSimple(value);
}

/** Ollama's formatToolDefinitionType: one type by its name, several as a JSON list, none as []. */
export function formatToolDefinitionType(types: readonly string[]): string {
  if (types.length === 0) return '[]';
  if (types.length === 1) return types[0]!;
  return goJson([...types]);
}

/** The JSON of a Go struct view (goValues.ts), as Go's json.Marshal and json.Unmarshal into a map leave it. */
const structJson = (v: unknown): Obj => JSON.parse(JSON.stringify(v)) as Obj;

function renderTools(tools: ToolDefinition[]): string {
  const views = templateTools(tools);
  let out = '\n\n# Tools\n\nYou have access to the following functions:\n\n<tools>';
  tools.forEach((tool, i) => {
    const fn = views[i]!.Function;
    out += `\n<function>\n<name>${fn.Name}</name>`;
    if (fn.Description) out += `\n<description>${fn.Description}</description>`;
    out += '\n<parameters>';
    // In the request's order (Ollama's ToolPropertiesMap keeps it); the view's map is Go's, sorted.
    const raw = tool.function?.parameters?.properties;
    for (const name of isObj(raw) ? Object.keys(raw) : []) {
      const prop = fn.Parameters.Properties[name] as TemplateProperty;
      out += `\n<parameter>\n<name>${name}</name>`;
      if (prop.Type.length > 0) out += `\n<type>${formatToolDefinitionType(prop.Type)}</type>`;
      if (prop.Description) out += `\n<description>${prop.Description}</description>`;
      out += renderAdditionalKeys(structJson(prop), ['type', 'description']);
      out += '\n</parameter>';
    }
    out += renderAdditionalKeys(structJson(fn.Parameters), ['type', 'properties']);
    out += '\n</parameters>\n</function>';
  });
  return `${out}\n</tools>${CALL_INSTRUCTIONS}`;
}

/** A call an assistant made, written back as the model writes calls. */
function renderCall(raw: unknown): string {
  const f = isObj(raw) && isObj(raw.function) ? raw.function : {};
  let out = `\n<tool_call>\n<function=${typeof f.name === 'string' ? f.name : ''}>`;
  for (const [name, value] of Object.entries(isObj(f.arguments) ? f.arguments : {})) {
    out += `\n<parameter=${name}>\n${formatToolCallArgument(value)}\n</parameter>`;
  }
  return `${out}\n</function>\n</tool_call>`;
}

export class Qwen3CoderRenderer implements Renderer {
  render(messages: TemplateMessage[], tools: ToolDefinition[] | undefined): string {
    let sb = '';
    // The first system message with text wins; the others are left out.
    let system = '';
    const filtered: TemplateMessage[] = [];
    for (const m of messages) {
      if (m.role !== 'system') filtered.push(m);
      else if (system === '') system = m.content ?? '';
    }
    const hasTools = (tools?.length ?? 0) > 0;
    if (system !== '' || hasTools) {
      sb += `${IM_START}system\n${system === '' ? DEFAULT_SYSTEM : system}`;
      if (hasTools) sb += renderTools(tools!);
      sb += `${IM_END}\n`;
    }
    filtered.forEach((m, i) => {
      const content = m.content ?? '';
      const last = i === filtered.length - 1;
      const prefill = last && m.role === 'assistant';
      if (m.role === 'assistant') {
        sb += `${IM_START}assistant\n`;
        const calls = m.tool_calls ?? [];
        if (calls.length > 0) {
          if (content !== '') sb += `${content}\n`;
          sb += calls.map(renderCall).join('');
          sb += `${IM_END}\n`;
        } else {
          sb += content;
          if (!prefill) sb += `${IM_END}\n`;
        }
      } else if (m.role === 'tool') {
        // Consecutive tool results share one user turn, each in its own <tool_response>.
        if (i === 0 || filtered[i - 1]!.role !== 'tool') sb += `${IM_START}user`;
        sb += `\n<tool_response>\n${content}\n</tool_response>`;
        if (last || filtered[i + 1]!.role !== 'tool') sb += `${IM_END}\n`;
      } else {
        sb += `${IM_START}${m.role}\n${content}${IM_END}\n`;
      }
      if (last && !prefill) sb += `${IM_START}assistant\n`;
    });
    return sb;
  }
}
