// Gemma 4's output as Ollama's Gemma4Parser reads it (model/parsers/gemma4.go): thinking is a
// <|channel>thought\n…<channel|> block, a call is <|tool_call>call:name{key:value,…}<tool_call|> with strings
// between <|"|> delimiters and bare keys, turned into JSON (gemma4Args.ts, which also repairs the malformed
// arguments the model is known to write). Thinking is only reported when the request turned it on; otherwise
// channel blocks are dropped. Text that may be the start of a tag, and trailing whitespace, is held until the
// next piece.

import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import type { BuiltinParser, ParsedPiece, ThinkValue } from './builtinParser.ts';
import { parseGemma4Arguments } from './gemma4Args.ts';
import { overlap, trailingSpaceLength, trimLeftSpace } from './textScan.ts';

const THINKING_OPEN = '<|channel>';
const THINKING_CLOSE = '<channel|>';
const TOOL_CALL_OPEN = '<|tool_call>';
const TOOL_CALL_CLOSE = '<tool_call|>';
const TOOL_RESPONSE = '<|tool_response>';
const STRING_DELIMITER = '<|"|>';
const CHANNEL_NAME = 'thought\n';

type State = 'collectingContent' | 'collectingThinking' | 'collectingToolCall' | 'ignoringPostToolCallNoise';

type Event = { kind: 'content' | 'thinking'; text: string } | { kind: 'call'; call: Omit<ToolCall, 'id'> };

const trimRightSpace = (s: string) => s.slice(0, s.length - trailingSpaceLength(s));

export class Gemma4Parser implements BuiltinParser {
  readonly hasToolSupport = true;
  readonly preservedTokens = [
    THINKING_OPEN,
    THINKING_CLOSE,
    TOOL_CALL_OPEN,
    TOOL_CALL_CLOSE,
    TOOL_RESPONSE,
    STRING_DELIMITER,
  ];
  private state: State = 'collectingContent';
  private buffer = '';
  private tools: ToolDefinition[] = [];
  private callIndex = 0;
  /** Both the model and the request want thinking. */
  private thinkingEnabled = false;
  /** Just entered a channel: its name ("thought\n") is not part of the thinking. */
  private needsChannelNameStrip = false;

  constructor(readonly hasThinkingSupport: boolean) {}

  init(
    tools: ToolDefinition[],
    lastMessage: { role: string; content?: string } | undefined,
    think: ThinkValue | undefined,
  ): ToolDefinition[] {
    this.tools = tools;
    this.callIndex = 0;
    this.buffer = '';
    this.thinkingEnabled = this.hasThinkingSupport && (think === true || typeof think === 'string');
    // After a tool result with thinking on, the prompt ends in <|channel>thought\n (renderers/gemma4.ts): the
    // answer starts inside the thinking. Otherwise the model opens <|channel> itself when it thinks.
    this.state =
      this.thinkingEnabled && lastMessage?.role === 'tool' ? 'collectingThinking' : 'collectingContent';
    this.needsChannelNameStrip = false;
    return tools;
  }

  add(piece: string, done: boolean): ParsedPiece {
    this.buffer += piece;
    const out: ParsedPiece = { content: '', thinking: '', calls: [] };
    for (let more = true; more; ) {
      const r = this.eat(done);
      more = r.more;
      for (const e of r.events) {
        if (e.kind === 'call') out.calls.push({ function: { ...e.call.function, index: this.callIndex++ } });
        // With thinking off, a channel block is dropped.
        else if (e.kind === 'thinking') out.thinking += this.thinkingEnabled ? e.text : '';
        else out.content += e.text;
      }
    }
    return out;
  }

  /** A call's text parsed; one that cannot be parsed comes back as the text it was (not in Ollama, which drops it). */
  private callEvent(raw: string): Event {
    const call = parseGemma4ToolCall(raw, this.tools);
    return call instanceof Error ? { kind: 'content', text: TOOL_CALL_OPEN + raw } : { kind: 'call', call };
  }

  // Text up to a possible tag (and the whitespace before it) is sure; the rest waits for the next piece.
  private emitUpTo(kind: 'content' | 'thinking', heldFrom: number): { events: Event[]; more: boolean } {
    const acc = this.buffer;
    const sure = acc.slice(0, heldFrom);
    const cut = sure.length - trailingSpaceLength(sure);
    this.buffer = acc.slice(cut);
    return { events: cut > 0 ? [{ kind, text: acc.slice(0, cut) }] : [], more: false };
  }

  private eat(done: boolean): { events: Event[]; more: boolean } {
    const acc = this.buffer;
    if (acc === '') return { events: [], more: false };
    switch (this.state) {
      case 'collectingContent': {
        for (const [tag, next] of [
          [THINKING_OPEN, 'collectingThinking'],
          [TOOL_CALL_OPEN, 'collectingToolCall'],
        ] as const) {
          const at = acc.indexOf(tag);
          if (at === -1) continue;
          this.buffer = acc.slice(at + tag.length);
          this.state = next;
          if (next === 'collectingThinking') this.needsChannelNameStrip = true;
          const before = trimRightSpace(acc.slice(0, at));
          return { events: before ? [{ kind: 'content', text: before }] : [], more: true };
        }
        if (!done) {
          const held = Math.max(overlap(acc, THINKING_OPEN), overlap(acc, TOOL_CALL_OPEN));
          if (held > 0) return this.emitUpTo('content', acc.length - held);
        }
        this.buffer = '';
        return { events: [{ kind: 'content', text: acc }], more: false };
      }
      case 'collectingThinking': {
        let text = acc;
        // <|channel>thought\n…: the channel's name may arrive in pieces.
        if (this.needsChannelNameStrip) {
          if (text.startsWith(CHANNEL_NAME)) {
            text = text.slice(CHANNEL_NAME.length);
            this.buffer = text;
            this.needsChannelNameStrip = false;
          } else if (!done && CHANNEL_NAME.startsWith(text)) {
            return { events: [], more: false };
          } else {
            this.needsChannelNameStrip = false;
          }
        }
        const closeAt = text.indexOf(THINKING_CLOSE);
        if (closeAt !== -1) {
          const thinking = trimRightSpace(text.slice(0, closeAt));
          this.buffer = trimLeftSpace(text.slice(closeAt + THINKING_CLOSE.length));
          this.state = 'collectingContent';
          return { events: thinking ? [{ kind: 'thinking', text: thinking }] : [], more: true };
        }
        if (!done) return this.emitUpTo('thinking', text.length - overlap(text, THINKING_CLOSE));
        this.buffer = '';
        return { events: text ? [{ kind: 'thinking', text }] : [], more: false };
      }
      case 'collectingToolCall': {
        const closeAt = acc.indexOf(TOOL_CALL_CLOSE);
        if (closeAt !== -1) {
          this.buffer = trimLeftSpace(acc.slice(closeAt + TOOL_CALL_CLOSE.length));
          this.state = 'ignoringPostToolCallNoise';
          return { events: [this.callEvent(acc.slice(0, closeAt))], more: true };
        }
        // The model may stop before writing <tool_call|>: the call is parsed as it is.
        if (done) {
          this.buffer = '';
          this.state = 'collectingContent';
          return { events: [this.callEvent(acc)], more: false };
        }
        return { events: [], more: false };
      }
      case 'ignoringPostToolCallNoise': {
        // Gemma 4 sometimes writes extra <tool_call|> tags, or a <|tool_response> boundary, after a call: dropped
        // here, so that text starting with one of them is lost, as in Ollama.
        let text = trimLeftSpace(acc);
        for (;;) {
          if (text.startsWith(TOOL_CALL_CLOSE)) text = trimLeftSpace(text.slice(TOOL_CALL_CLOSE.length));
          else if (text.startsWith(TOOL_RESPONSE)) text = trimLeftSpace(text.slice(TOOL_RESPONSE.length));
          else break;
        }
        this.buffer = text;
        if (text === '') return { events: [], more: false };
        if (TOOL_CALL_CLOSE.startsWith(text) || TOOL_RESPONSE.startsWith(text)) {
          if (done) {
            this.buffer = '';
            this.state = 'collectingContent';
          }
          return { events: [], more: false };
        }
        this.state = 'collectingContent';
        return { events: [], more: true };
      }
    }
  }
}

/** `call:NAME{args}` as a call, or the reason it is not one. */
export function parseGemma4ToolCall(content: string, tools: ToolDefinition[]): Omit<ToolCall, 'id'> | Error {
  if (!content.startsWith('call:')) return new Error("expected 'call:' prefix");
  const rest = content.slice('call:'.length);
  const brace = rest.indexOf('{');
  if (brace === -1) return new Error("expected '{' in tool call");
  const name = rest.slice(0, brace).trim();
  const args = parseGemma4Arguments(rest.slice(brace), name, tools);
  if (args instanceof Error) return args;
  return { function: { index: 0, name, arguments: args } };
}
