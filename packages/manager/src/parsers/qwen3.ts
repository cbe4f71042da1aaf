// Qwen3's output as Ollama's Qwen3Parser reads it (model/parsers/qwen3.go): with thinking on, the prompt ends
// in <think>, so the answer starts with thinking (an explicit <think> is tolerated) up to </think>; tool calls
// are <tool_call>{"name": …, "arguments": {…}}</tool_call>, and a call that starts before </think> ends the
// thinking. Text that may be the start of a tag, and trailing whitespace, is held until the next piece.

import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import { type BuiltinParser, type ParsedPiece, ParserError, type ThinkValue } from './builtinParser.ts';
import { overlap, splitAtTag, trailingSpaceLength, trimLeftSpace } from './textScan.ts';

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const TOOL_OPEN = '<tool_call>';
const TOOL_CLOSE = '</tool_call>';

type State =
  | 'lookingForThinkingOpen'
  | 'thinkingStartedEatingWhitespace'
  | 'collectingThinking'
  | 'thinkingDoneEatingWhitespace'
  | 'collectingContent'
  | 'toolStartedEatingWhitespace'
  | 'collectingToolContent';

type Event = { kind: 'content' | 'thinking' | 'call'; text: string };

export class Qwen3Parser implements BuiltinParser {
  readonly hasToolSupport = true;
  readonly preservedTokens = [THINK_OPEN, THINK_CLOSE, TOOL_OPEN, TOOL_CLOSE];
  private state: State = 'collectingContent';
  private buffer = '';
  private callIndex = 0;
  private maybeThinkingOpenAtStart = false;

  constructor(
    readonly hasThinkingSupport: boolean,
    private readonly defaultThinking: boolean,
  ) {}

  init(tools: ToolDefinition[], _last: unknown, think: ThinkValue | undefined): ToolDefinition[] {
    this.buffer = '';
    this.callIndex = 0;
    const thinking = think === undefined ? this.defaultThinking : think !== false;
    const on = this.hasThinkingSupport && thinking;
    this.state = on ? 'collectingThinking' : 'collectingContent';
    this.maybeThinkingOpenAtStart = on;
    return tools;
  }

  add(piece: string, done: boolean): ParsedPiece {
    this.buffer += piece;
    const out: ParsedPiece = { content: '', thinking: '', calls: [] };
    for (let more = true; more; ) {
      const r = this.eat();
      more = r.more;
      for (const e of r.events) {
        if (e.kind === 'content') out.content += e.text;
        else if (e.kind === 'thinking') out.thinking += e.text;
        else out.calls.push(this.parseCall(e.text));
      }
    }
    // Not in Ollama: a call still open when the answer ends comes back as text rather than being lost.
    if (done && this.state === 'collectingToolContent' && this.buffer !== '') {
      out.content += TOOL_OPEN + this.buffer;
      this.buffer = '';
    }
    return out;
  }

  private parseCall(raw: string): ToolCall {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      throw new ParserError(`failed to parse JSON: ${(e as Error).message}`);
    }
    const p = (parsed ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof p.name !== 'string' || p.name === '') throw new ParserError('empty function name');
    const args =
      p.arguments && typeof p.arguments === 'object' ? (p.arguments as Record<string, unknown>) : {};
    return { function: { index: this.callIndex++, name: p.name, arguments: args } };
  }

  // Text up to a possible tag (and the whitespace before it) is sure; the rest waits for the next piece.
  private emitUpTo(kind: 'content' | 'thinking', heldFrom: number): { events: Event[]; more: boolean } {
    const acc = this.buffer;
    const sure = acc.slice(0, heldFrom);
    const cut = sure.length - trailingSpaceLength(sure);
    this.buffer = acc.slice(cut);
    return { events: cut > 0 ? [{ kind, text: acc.slice(0, cut) }] : [], more: false };
  }

  private eatWhitespaceThen(next: State): { events: Event[]; more: boolean } {
    const trimmed = trimLeftSpace(this.buffer);
    this.buffer = trimmed;
    if (trimmed === '') return { events: [], more: false };
    this.state = next;
    return { events: [], more: true };
  }

  private eat(): { events: Event[]; more: boolean } {
    const acc = this.buffer;
    switch (this.state) {
      case 'lookingForThinkingOpen': {
        const trimmed = trimLeftSpace(acc);
        if (trimmed.startsWith(THINK_OPEN)) {
          const after = trimLeftSpace(trimmed.slice(THINK_OPEN.length));
          this.buffer = after;
          this.state = after === '' ? 'thinkingStartedEatingWhitespace' : 'collectingThinking';
          return { events: [], more: true };
        }
        if (THINK_OPEN.startsWith(trimmed)) return { events: [], more: false };
        this.state = 'collectingContent';
        return { events: [], more: true };
      }
      case 'thinkingStartedEatingWhitespace':
        return this.eatWhitespaceThen('collectingThinking');
      case 'collectingThinking': {
        if (this.maybeThinkingOpenAtStart) {
          // Some checkpoints write <think> although the prompt ended with it: drop one.
          const trimmed = trimLeftSpace(acc);
          if (trimmed.startsWith(THINK_OPEN)) {
            const after = trimLeftSpace(trimmed.slice(THINK_OPEN.length));
            this.buffer = after;
            if (after === '') return { events: [], more: false };
            this.maybeThinkingOpenAtStart = false;
            return { events: [], more: true };
          }
          if (THINK_OPEN.startsWith(trimmed)) return { events: [], more: false };
          this.maybeThinkingOpenAtStart = false;
        }
        const closeAt = acc.indexOf(THINK_CLOSE);
        const toolAt = acc.indexOf(TOOL_OPEN);
        if (toolAt !== -1 && (closeAt === -1 || toolAt < closeAt)) {
          const { before, after } = splitAtTag(acc, TOOL_OPEN, true)!;
          this.buffer = after;
          this.state = after === '' ? 'toolStartedEatingWhitespace' : 'collectingToolContent';
          return { events: before ? [{ kind: 'thinking', text: before }] : [], more: true };
        }
        if (closeAt !== -1) {
          const { before, after } = splitAtTag(acc, THINK_CLOSE, true)!;
          this.buffer = after;
          this.state = after === '' ? 'thinkingDoneEatingWhitespace' : 'collectingContent';
          return { events: before ? [{ kind: 'thinking', text: before }] : [], more: true };
        }
        const held = Math.max(overlap(acc, THINK_CLOSE), overlap(acc, TOOL_OPEN));
        return this.emitUpTo('thinking', acc.length - held);
      }
      case 'thinkingDoneEatingWhitespace':
        return this.eatWhitespaceThen('collectingContent');
      case 'collectingContent': {
        const split = splitAtTag(acc, TOOL_OPEN, true);
        if (split) {
          this.buffer = split.after;
          this.state = split.after === '' ? 'toolStartedEatingWhitespace' : 'collectingToolContent';
          return { events: split.before ? [{ kind: 'content', text: split.before }] : [], more: true };
        }
        return this.emitUpTo('content', acc.length - overlap(acc, TOOL_OPEN));
      }
      case 'toolStartedEatingWhitespace':
        return this.eatWhitespaceThen('collectingToolContent');
      case 'collectingToolContent': {
        const split = splitAtTag(acc, TOOL_CLOSE, true);
        if (!split) return { events: [], more: false };
        this.buffer = split.after;
        this.state = 'collectingContent';
        return { events: [{ kind: 'call', text: split.before }], more: true };
      }
    }
  }
}
