// Turns the text a model generates into an answer's parts, as Ollama's chat and generate handlers do: a model
// whose config names a built-in parser (qwen3, harmony, …) is read by it; otherwise thinking is split off with
// the tags found in its template (when thinking is on) and tool calls are taken out with the tool-call tag
// found there (when the request has tools). Calls get ids (call_ and 8 letters or digits, as Ollama's
// toolCallId). Text held back (a tag that may be starting) comes out when the answer ends.
import { randomInt } from 'node:crypto';
import type { BuiltinParser } from '../parsers/builtinParser.ts';
import type { ThinkingParser } from '../thinking/thinkingParser.ts';
import type { ToolCallParser } from '../tools/toolCallParser.ts';
import type { AnswerChunk, ToolCall } from './chunk.ts';

export interface OutputParser {
  /** The next piece of text; `done` once, when the answer has ended (with '' if nothing more came). */
  add(text: string, done: boolean): AnswerChunk;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function toolCallId(): string {
  let id = 'call_';
  for (let i = 0; i < 8; i++) id += ID_CHARS[randomInt(ID_CHARS.length)];
  return id;
}

const withIds = (calls: ToolCall[]) => calls.map((c) => ({ id: toolCallId(), ...c }));

export function builtinOutput(parser: BuiltinParser): OutputParser {
  return {
    add(text, done) {
      const r = parser.add(text, done);
      return { content: r.content, thinking: r.thinking, toolCalls: withIds(r.calls) };
    },
  };
}

/** Template-based models: thinking (when a parser is given) first, then tool calls from the content. */
export function templateOutput(
  thinking: ThinkingParser | undefined,
  tools: ToolCallParser | undefined,
): OutputParser {
  return {
    add(text, done) {
      let content = text;
      let thought = '';
      if (thinking) ({ thinking: thought, content } = thinking.add(text));
      const calls: ToolCall[] = [];
      if (tools) {
        const r = tools.add(content);
        content = r.content;
        calls.push(...r.calls);
        if (done) content += tools.flush();
      }
      return { content, thinking: thought, toolCalls: withIds(calls) };
    },
  };
}

/** Whether a chunk carries anything (Ollama sends no empty chunks while a parser holds text back). */
export function hasParts(c: AnswerChunk): boolean {
  return Boolean(c.content || c.thinking || c.toolCalls?.length || c.logprobs?.length);
}
