// Ministral 3's output as Ollama's MinistralParser reads it (model/parsers/ministral.go): content, with tool
// calls as [TOOL_CALLS]name[ARGS]{json} (the JSON ends where its outer brace closes, so nothing needs to close
// a call), and thinking as [THINK]…[/THINK] (a thinking model's answer starts inside it). Ollama has no
// renderer for this family: the prompt comes from the model's template. A call to a tool the request did not
// offer, or arguments that are not JSON, fail the answer as in Ollama.
import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import { type BuiltinParser, type ParsedPiece, ParserError } from './builtinParser.ts';
import { overlap, trailingSpaceLength, trimLeftSpace } from './textScan.ts';

const TOOL_CALLS = '[TOOL_CALLS]';
const THINK = '[THINK]';
const THINK_END = '[/THINK]';
const ARGS = '[ARGS]';

type State = 'content' | 'thinking' | 'toolName' | 'toolArgs';

export type MinistralEvent =
  | { kind: 'content'; text: string }
  | { kind: 'thinking'; text: string }
  | { kind: 'call'; name: string; args: string };

const trimRightSpace = (s: string) => s.replace(/\s+$/u, '');

/**
 * Where the JSON value at the start of s ends (the index of its closing brace or bracket), or -1 while it is
 * incomplete; braces inside strings, and escaped quotes, do not count (Ollama's findJSONEnd, in UTF-16 units
 * where Go counts bytes).
 */
export function findJsonEnd(s: string): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export class MinistralParser implements BuiltinParser {
  readonly hasToolSupport = true;
  readonly preservedTokens = [TOOL_CALLS, THINK, THINK_END, ARGS];
  private state: State = 'content';
  private buffer = '';
  private tools: ToolDefinition[] = [];
  private callIndex = 0;
  private pendingName = '';

  constructor(readonly hasThinkingSupport: boolean) {}

  init(tools: ToolDefinition[], last: { role: string; content?: string } | undefined): ToolDefinition[] {
    this.tools = tools;
    this.buffer = '';
    this.callIndex = 0;
    // Ollama ignores the think value here: a thinking model starts inside [THINK] unless continuing content.
    const prefill = last?.role === 'assistant' && Boolean(last.content);
    this.state = this.hasThinkingSupport && !prefill ? 'thinking' : 'content';
    return tools;
  }

  add(piece: string, done: boolean): ParsedPiece {
    const out: ParsedPiece = { content: '', thinking: '', calls: [] };
    for (const e of this.events(piece)) {
      if (e.kind === 'content') out.content += e.text;
      else if (e.kind === 'thinking') out.thinking += e.text;
      else out.calls.push(this.toolCall(e.name, e.args));
    }
    if (done) this.flush(out);
    return out;
  }

  /**
   * Not in Ollama, which keeps held text when the answer ends: a call that never completed comes back as text,
   * and so does the start of a tag that never completed (trailing whitespace still goes, as in Ollama).
   */
  private flush(out: ParsedPiece): void {
    const held = this.buffer;
    this.buffer = '';
    if (this.state === 'toolName') out.content += TOOL_CALLS + held;
    else if (this.state === 'toolArgs') out.content += `${TOOL_CALLS}${this.pendingName}${ARGS}${held}`;
    else if (this.state === 'thinking') out.thinking += held;
    else out.content += trimRightSpace(held);
  }

  /** The events of the next piece of output (Ollama's parseEvents after writing to the buffer). */
  events(piece: string): MinistralEvent[] {
    this.buffer += piece;
    const all: MinistralEvent[] = [];
    for (let more = true; more; ) {
      const r = this.eat();
      all.push(...r.events);
      more = r.more;
    }
    return all;
  }

  private toolCall(name: string, args: string): ToolCall {
    const tool = this.tools.find((t) => t.function?.name === name);
    if (!tool) throw new ParserError(`tool '${name}' not found`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (e) {
      throw new ParserError(`tool '${name}': arguments are not JSON: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ParserError(`tool '${name}': arguments are not a JSON object: ${args}`);
    return { function: { index: this.callIndex++, name, arguments: parsed as Record<string, unknown> } };
  }

  private eat(): { events: MinistralEvent[]; more: boolean } {
    const buf = this.buffer;
    switch (this.state) {
      case 'content': {
        for (const [tag, next] of [
          [TOOL_CALLS, 'toolName'],
          [THINK, 'thinking'],
        ] as const) {
          const at = buf.indexOf(tag);
          if (at < 0) continue;
          const before = trimRightSpace(buf.slice(0, at));
          this.buffer = buf.slice(at + tag.length);
          this.state = next;
          return { events: before ? [{ kind: 'content', text: before }] : [], more: true };
        }
        // A partial tag, and the whitespace before it or at the end, wait for the next piece.
        const held = Math.max(overlap(buf, TOOL_CALLS), overlap(buf, THINK));
        const before = buf.slice(0, buf.length - held);
        const cut = before.length - trailingSpaceLength(before);
        this.buffer = buf.slice(cut);
        return { events: cut > 0 ? [{ kind: 'content', text: buf.slice(0, cut) }] : [], more: false };
      }
      case 'thinking': {
        const at = buf.indexOf(THINK_END);
        if (at >= 0) {
          const thinking = buf.slice(0, at);
          this.buffer = trimLeftSpace(buf.slice(at + THINK_END.length));
          this.state = 'content';
          return { events: thinking ? [{ kind: 'thinking', text: thinking }] : [], more: true };
        }
        const cut = buf.length - overlap(buf, THINK_END);
        this.buffer = buf.slice(cut);
        return { events: cut > 0 ? [{ kind: 'thinking', text: buf.slice(0, cut) }] : [], more: false };
      }
      case 'toolName': {
        const at = buf.indexOf(ARGS);
        if (at < 0) return { events: [], more: false };
        this.pendingName = buf.slice(0, at);
        this.buffer = buf.slice(at + ARGS.length);
        this.state = 'toolArgs';
        return { events: [], more: true };
      }
      case 'toolArgs': {
        const end = findJsonEnd(buf);
        if (end < 0) return { events: [], more: false };
        const call: MinistralEvent = { kind: 'call', name: this.pendingName, args: buf.slice(0, end + 1) };
        this.pendingName = '';
        this.buffer = buf.slice(end + 1);
        this.state = 'content';
        return { events: [call], more: true };
      }
    }
  }
}
