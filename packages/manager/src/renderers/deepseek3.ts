// DeepSeek V3.1's prompt as Ollama's DeepSeek3Renderer writes it (model/renderers/deepseek3.go, registered as
// "deepseek3.1"): the system messages joined at the start, then the tools in a "## Tools" section, then
// <｜User｜>/<｜Assistant｜> turns. An answer opens with <think> when thinking is on and with </think> when it is
// off; earlier answers always carry </think> and never their thinking. Calls are written in the format the
// deepseek3 parser reads back; tool results follow as <｜tool▁output▁begin｜>…<｜tool▁output▁end｜>.
import type { ThinkValue } from '../parsers/builtinParser.ts';
import { apiCallArguments, apiToolParameters, goJson } from '../template/goValues.ts';
import type { TemplateMessage } from '../template/prompt.ts';
import type { ToolDefinition } from '../tools/types.ts';
import type { Renderer } from './renderer.ts';

const BOS = '<｜begin▁of▁sentence｜>';
const EOS = '<｜end▁of▁sentence｜>';
const USER = '<｜User｜>';
const ASSISTANT = '<｜Assistant｜>';

const TOOLS_USAGE =
  '\nIMPORTANT: ALWAYS adhere to this exact format for tool use:\n' +
  '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments<｜tool▁call▁end｜>{{additional_tool_calls}}<｜tool▁calls▁end｜>\n\n' +
  'Where:\n\n' +
  '- `tool_call_name` must be an exact match to one of the available tools\n' +
  "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n" +
  '- For multiple tool calls, chain them directly without separators or spaces\n';

type Call = { function?: { name?: unknown; arguments?: unknown } };

function toolsSection(tools: ToolDefinition[]): string {
  let s = '\n\n## Tools\nYou have access to the following tools:\n';
  for (const t of tools) {
    s += `\n### ${t.function?.name ?? ''}`;
    s += `\nDescription: ${t.function?.description ?? ''}`;
    s += `\n\nParameters: ${goJson(apiToolParameters(t.function?.parameters))}\n`;
  }
  return s + TOOLS_USAGE;
}

function callsText(calls: unknown[]): string {
  let s = '<｜tool▁calls▁begin｜>';
  for (const c of calls as Call[]) {
    const name = typeof c?.function?.name === 'string' ? c.function.name : '';
    s += `<｜tool▁call▁begin｜>${name}<｜tool▁sep｜>${goJson(apiCallArguments(c?.function?.arguments))}<｜tool▁call▁end｜>`;
  }
  return `${s}<｜tool▁calls▁end｜>${EOS}`;
}

// The prompt starts with BOS as text (Ollama's LeadingBOS): the runner drops it where the model adds its own
// (runner/promptTokens.ts), so there is one either way.
export class DeepSeek3Renderer implements Renderer {
  constructor(private readonly isThinking: boolean) {}

  render(
    messages: TemplateMessage[],
    tools: ToolDefinition[] | undefined,
    think: ThinkValue | undefined,
  ): string {
    const thinking = this.isThinking && think !== undefined && think !== false;
    const system = messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    let s = BOS + system;
    if (tools?.length) s += toolsSection(tools);

    let isTool = false;
    let isLastUser = false;
    const lastUser = messages.findLastIndex((m) => m.role === 'user');
    messages.forEach((m, i) => {
      if (m.role === 'user') {
        isTool = false;
        isLastUser = true;
        s += USER + m.content;
      } else if (m.role === 'assistant' && m.tool_calls?.length) {
        if (isLastUser) s += `${ASSISTANT}</think>`;
        isLastUser = false;
        isTool = false;
        s += m.content + callsText(m.tool_calls);
      } else if (m.role === 'assistant') {
        if (isLastUser) {
          // Only the answer being written (after the last user message) may open with <think>.
          s += ASSISTANT + (m.thinking && thinking && i > lastUser ? '<think>' : '</think>');
        }
        isLastUser = false;
        if (isTool) {
          s += m.content + EOS;
          isTool = false;
        } else {
          // An earlier answer's thinking left in its content is dropped (up to the first </think>).
          const at = m.content.indexOf('</think>');
          s += (at >= 0 ? m.content.slice(at + '</think>'.length) : m.content) + EOS;
        }
      } else if (m.role === 'tool') {
        isLastUser = false;
        isTool = true;
        s += `<｜tool▁output▁begin｜>${m.content}<｜tool▁output▁end｜>`;
      }
    });
    if (isLastUser && !isTool) s += ASSISTANT + (thinking ? '<think>' : '</think>');
    return s;
  }
}
