// Qwen3-Coder's output as Ollama's Qwen3CoderParser reads it (model/parsers/qwen3coder.go): content, and tool
// calls between <tool_call> and </tool_call> in Qwen's XML-like format (qwen3coderToolCall.ts). The family does
// not think. Content streams as it comes, except trailing whitespace and what may be the start of <tool_call>,
// which wait for the next piece; a call is parsed once its closing tag is there.
import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import type { BuiltinParser, ParsedPiece } from './builtinParser.ts';
import { parseToolCall } from './qwen3coderToolCall.ts';
import { overlap, trailingSpaceLength, trimLeftSpace, trimRightSpace } from './textScan.ts';

const TOOL_OPEN = '<tool_call>';
const TOOL_CLOSE = '</tool_call>';

/** What eat() found: content, or the raw text of a call (Ollama's qwenEventContent, qwenEventRawToolCall). */
export type Qwen3CoderEvent = { content: string } | { rawToolCall: string };

export class Qwen3CoderParser implements BuiltinParser {
  readonly hasToolSupport = true;
  readonly hasThinkingSupport = false;
  readonly preservedTokens = [TOOL_OPEN, TOOL_CLOSE];
  private collectingToolContent = false;
  private acc = '';
  private tools: ToolDefinition[] = [];
  private callIndex = 0;

  init(tools: ToolDefinition[]): ToolDefinition[] {
    this.tools = tools;
    this.callIndex = 0;
    return tools;
  }

  add(piece: string, done: boolean): ParsedPiece {
    const out: ParsedPiece = { content: '', thinking: '', calls: [] };
    for (const event of this.parseEvents(piece)) {
      if ('content' in event) out.content += event.content;
      else out.calls.push(this.call(event.rawToolCall));
    }
    // Not in Ollama: a call still open when the answer ends comes back as text rather than being lost.
    if (done && this.collectingToolContent && this.acc !== '') {
      out.content += TOOL_OPEN + this.acc;
      this.acc = '';
    }
    return out;
  }

  private call(raw: string): ToolCall {
    return parseToolCall(raw, this.tools, this.callIndex++);
  }

  /** The piece added to the buffer, and every event the buffer then holds (Ollama's parseEvents). */
  parseEvents(piece: string): Qwen3CoderEvent[] {
    this.acc += piece;
    const all: Qwen3CoderEvent[] = [];
    for (let more = true; more; ) {
      const r = this.eat();
      all.push(...r.events);
      more = r.more;
    }
    return all;
  }

  // Ollama's eat: the unambiguous events in the buffer, and whether a state change may have left more.
  private eat(): { events: Qwen3CoderEvent[]; more: boolean } {
    const acc = this.acc;
    if (this.collectingToolContent) {
      const at = acc.indexOf(TOOL_CLOSE);
      // The call is only parsed whole, so there is nothing to stream until its closing tag.
      if (at < 0) return { events: [], more: false };
      this.acc = trimLeftSpace(acc.slice(at + TOOL_CLOSE.length));
      this.collectingToolContent = false;
      return { events: [{ rawToolCall: acc.slice(0, at) }], more: true };
    }
    const at = acc.indexOf(TOOL_OPEN);
    if (at >= 0) {
      // The whitespace before a call is dropped; what follows the tag is kept as the call's text.
      const before = trimRightSpace(acc.slice(0, at));
      this.acc = acc.slice(at + TOOL_OPEN.length);
      this.collectingToolContent = true;
      return { events: before ? [{ content: before }] : [], more: true };
    }
    // A partial tag and the whitespace before it, or trailing whitespace alone, wait for the next piece.
    const beforePartialTag = acc.slice(0, acc.length - overlap(acc, TOOL_OPEN));
    const ambiguousStart = beforePartialTag.length - trailingSpaceLength(beforePartialTag);
    this.acc = acc.slice(ambiguousStart);
    const unambiguous = acc.slice(0, ambiguousStart);
    return { events: unambiguous ? [{ content: unambiguous }] : [], more: false };
  }
}
