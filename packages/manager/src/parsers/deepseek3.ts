// DeepSeek V3.1's output as Ollama's DeepSeek3Parser reads it (model/parsers/deepseek3.go): with thinking on,
// the prompt ends in <think>, so the answer starts with thinking up to </think>; tool calls come as
// <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>name<｜tool▁sep｜>{json}<｜tool▁call▁end｜>…<｜tool▁calls▁end｜>, and a
// tool output block (<｜tool▁output▁begin｜>…<｜tool▁output▁end｜>) the model echoes is kept as content. Text that
// may be the start of </think>, and trailing whitespace in thinking, is held until the next piece.
import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import type { BuiltinParser, ParsedPiece, ThinkValue } from './builtinParser.ts';
import { overlap, trailingSpaceLength, trimLeftSpace } from './textScan.ts';

const THINK_CLOSE = '</think>';
const CALLS_BEGIN = '<｜tool▁calls▁begin｜>';
const CALLS_END = '<｜tool▁calls▁end｜>';
const CALL_BEGIN = '<｜tool▁call▁begin｜>';
const CALL_END = '<｜tool▁call▁end｜>';
const SEP = '<｜tool▁sep｜>';
const OUTPUT_BEGIN = '<｜tool▁output▁begin｜>';
const OUTPUT_END = '<｜tool▁output▁end｜>';

type State = 'thinking' | 'content' | 'toolCalls' | 'toolOutput';

type Event = { kind: 'content' | 'thinking'; text: string } | { kind: 'call'; call: ToolCall };

const trimRightSpace = (s: string) => s.replace(/\s+$/u, '');

/**
 * One call's text, `name<｜tool▁sep｜>{arguments}`, as Ollama's parseToolCallContent reads it; undefined where it
 * is not a call (no separator, or arguments that are not a JSON object).
 */
export function parseDeepSeekCall(text: string): ToolCall | undefined {
  const at = text.indexOf(SEP);
  if (at < 0) return undefined;
  let args: unknown;
  try {
    args = JSON.parse(text.slice(at + SEP.length).trim());
  } catch {
    return undefined;
  }
  // Go decodes the arguments into an ordered map: anything but an object (or null) fails to decode.
  if (args !== null && (typeof args !== 'object' || Array.isArray(args))) return undefined;
  return {
    function: {
      index: 0,
      name: text.slice(0, at).trim(),
      arguments: (args ?? {}) as Record<string, unknown>,
    },
  };
}

export class DeepSeek3Parser implements BuiltinParser {
  readonly hasToolSupport = true;
  readonly preservedTokens = [
    THINK_CLOSE,
    CALLS_BEGIN,
    CALLS_END,
    CALL_BEGIN,
    CALL_END,
    SEP,
    OUTPUT_BEGIN,
    OUTPUT_END,
  ];
  private state: State = 'content';
  private buffer = '';
  private callIndex = 0;

  constructor(readonly hasThinkingSupport: boolean) {}

  init(
    tools: ToolDefinition[],
    last: { role: string; content?: string } | undefined,
    think: ThinkValue | undefined,
  ): ToolDefinition[] {
    this.buffer = '';
    this.callIndex = 0;
    // Thinking needs both the model and the request (the handler has turned an unset think into true).
    const thinking = this.hasThinkingSupport && think !== undefined && think !== false;
    const prefill = last?.role === 'assistant' && Boolean(last.content);
    this.state = thinking && !prefill ? 'thinking' : 'content';
    return tools;
  }

  add(piece: string, done: boolean): ParsedPiece {
    this.buffer += piece;
    const out: ParsedPiece = { content: '', thinking: '', calls: [] };
    for (let more = true; more; ) {
      const r = this.eat();
      more = r.more;
      for (const e of r.events) {
        if (e.kind === 'call') out.calls.push({ function: { ...e.call.function, index: this.callIndex++ } });
        else if (e.kind === 'content') out.content += e.text;
        else out.thinking += e.text;
      }
    }
    // Not in Ollama: calls still open when the answer ends come back as text rather than being lost.
    if (done && this.state === 'toolCalls' && this.buffer !== '') {
      out.content += CALLS_BEGIN + this.buffer;
      this.buffer = '';
    }
    return out;
  }

  private eat(): { events: Event[]; more: boolean } {
    const buf = this.buffer;
    if (buf === '') return { events: [], more: false };
    switch (this.state) {
      case 'thinking': {
        const at = buf.indexOf(THINK_CLOSE);
        if (at >= 0) {
          const thinking = trimRightSpace(buf.slice(0, at));
          this.buffer = trimLeftSpace(buf.slice(at + THINK_CLOSE.length));
          this.state = 'content';
          return { events: thinking ? [{ kind: 'thinking', text: thinking }] : [], more: true };
        }
        // A partial </think> and the whitespace before it wait; so does trailing whitespace.
        const before = buf.slice(0, buf.length - overlap(buf, THINK_CLOSE));
        const cut = before.length - trailingSpaceLength(before);
        this.buffer = buf.slice(cut);
        return { events: cut > 0 ? [{ kind: 'thinking', text: buf.slice(0, cut) }] : [], more: false };
      }
      case 'content': {
        if (buf.includes(CALLS_BEGIN)) {
          const at = buf.indexOf(CALLS_BEGIN);
          const before = trimRightSpace(buf.slice(0, at));
          this.buffer = buf.slice(at + CALLS_BEGIN.length);
          this.state = 'toolCalls';
          return { events: before ? [{ kind: 'content', text: before }] : [], more: true };
        }
        if (buf.includes(OUTPUT_BEGIN)) {
          const at = buf.indexOf(OUTPUT_BEGIN);
          const before = buf.slice(0, at); // Ollama keeps the spaces around tool output
          this.buffer = buf.slice(at + OUTPUT_BEGIN.length);
          this.state = 'toolOutput';
          return { events: before ? [{ kind: 'content', text: before }] : [], more: true };
        }
        // Ollama holds nothing back here: a partial tag in content goes out as content.
        this.buffer = '';
        return { events: [{ kind: 'content', text: buf }], more: false };
      }
      case 'toolCalls': {
        const begin = buf.indexOf(CALL_BEGIN);
        if (begin >= 0) {
          const start = begin + CALL_BEGIN.length;
          const end = buf.indexOf(CALL_END, start);
          if (end >= 0) {
            const call = parseDeepSeekCall(buf.slice(start, end));
            if (call) {
              this.buffer = trimLeftSpace(buf.slice(end + CALL_END.length));
              return { events: [{ kind: 'call', call }], more: true };
            }
            // Ollama logs a call it cannot parse and drops it with the block (below).
          }
        }
        const close = buf.indexOf(CALLS_END);
        if (close >= 0) {
          this.buffer = trimLeftSpace(buf.slice(close + CALLS_END.length));
          this.state = 'content';
          return { events: [], more: true };
        }
        return { events: [], more: false };
      }
      case 'toolOutput': {
        const at = buf.indexOf(OUTPUT_END);
        if (at < 0) return { events: [], more: false };
        const output = buf.slice(0, at);
        this.buffer = buf.slice(at + OUTPUT_END.length);
        this.state = 'content';
        return { events: output ? [{ kind: 'content', text: output }] : [], more: true };
      }
    }
  }
}
