// gpt-oss's harmony format as Ollama's HarmonyMessageHandler reads it (harmony/harmonyparser.go): the answer is
// a run of messages `<|start|>{header}<|message|>{text}<|end|>` (the prompt already opened the first one, so
// the parser starts with an implicit `<|start|>assistant`); the header's channel says what the text is:
// "analysis" is thinking, "final" (and "commentary" without a recipient) is content, and a recipient
// (`to=functions.get_weather`) makes the text a tool call's JSON arguments, parsed when the answer ends (a call
// ends the answer with <|call|>). Tool names are made into TypeScript identifiers for the prompt and mapped back.
import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import { type BuiltinParser, type ParsedPiece, ParserError } from './builtinParser.ts';
import { overlap } from './textScan.ts';

const START = '<|start|>';
const END = '<|end|>';
const HEADER_END = '<|message|>';

type Header = { role: string; channel: string; recipient: string };
type Event =
  | { kind: 'start' }
  | { kind: 'header'; header: Header }
  | { kind: 'content'; text: string }
  | { kind: 'end' };

/** The low-level harmony tokenizer: messages, their headers and their text, streamed. */
export class HarmonyStream {
  private state: 'lookingForStart' | 'header' | 'content' = 'lookingForStart';
  private acc = '';

  addImplicitStart(prefill?: { role: string; content?: string; thinking?: string }) {
    if (prefill?.role === 'assistant' && prefill.content)
      this.acc += '<|start|>assistant<|channel|>final<|message|>';
    else if (prefill?.role === 'assistant' && prefill.thinking)
      this.acc += '<|start|>assistant<|channel|>analysis<|message|>';
    else this.acc += '<|start|>assistant';
  }

  add(text: string): Event[] {
    this.acc += text;
    const events: Event[] = [];
    for (let more = true; more; ) {
      const r = this.eat();
      events.push(...r.events);
      more = r.more;
    }
    return events;
  }

  private eat(): { events: Event[]; more: boolean } {
    const acc = this.acc;
    switch (this.state) {
      case 'lookingForStart': {
        const at = acc.indexOf(START);
        if (at < 0) return { events: [], more: false };
        this.acc = acc.slice(at + START.length);
        this.state = 'header';
        return { events: [{ kind: 'start' }], more: true };
      }
      case 'header': {
        const at = acc.indexOf(HEADER_END);
        if (at < 0) return { events: [], more: false };
        this.acc = acc.slice(at + HEADER_END.length);
        this.state = 'content';
        return { events: [{ kind: 'header', header: parseHeader(acc.slice(0, at)) }], more: true };
      }
      case 'content': {
        const at = acc.indexOf(END);
        if (at >= 0) {
          const text = acc.slice(0, at);
          this.acc = acc.slice(at + END.length);
          this.state = 'lookingForStart';
          return {
            events: [...(text ? [{ kind: 'content' as const, text }] : []), { kind: 'end' }],
            more: true,
          };
        }
        const held = overlap(acc, END);
        const text = acc.slice(0, acc.length - held);
        this.acc = acc.slice(acc.length - held);
        return { events: text ? [{ kind: 'content', text }] : [], more: false };
      }
    }
  }
}

export function parseHeader(raw: string): Header {
  const header: Header = { role: '', channel: '', recipient: '' };
  // `<|constrain|>` may follow the recipient without a space: make it a token of its own.
  if (raw.includes('<|constrain|>')) raw = raw.replace('<|constrain|>', ' <|constrain|>').trim();
  const channelAt = raw.indexOf('<|channel|>');
  if (channelAt !== -1) {
    const before = raw.slice(0, channelAt);
    let after = raw.slice(channelAt + '<|channel|>'.length);
    const space = after.search(/\s/u);
    const end = space === -1 ? after.length : space;
    header.channel = after.slice(0, end);
    after = after.slice(end);
    raw = (before + after).trim();
  }
  const tokens = raw.split(/\s+/u).filter((t) => t !== '');
  const role = tokens.shift();
  if (role === undefined) return header;
  if (role.startsWith('to=')) {
    header.recipient = role.slice(3);
    header.role = 'tool';
  } else {
    header.role = role;
  }
  if (header.recipient === '' && tokens[0]?.startsWith('to=')) header.recipient = tokens[0].slice(3);
  return header;
}

/** User tool names made valid TypeScript identifiers (harmony's functions namespace), and back. */
export class FunctionNameMap {
  private readonly toHarmony = new Map<string, string>();
  private readonly toUser = new Map<string, string>();

  convertAndAdd(user: string): string {
    const builtin = ['browser.open', 'browser.search', 'browser.find', 'python'].includes(user);
    const harmony = builtin ? user : this.derive(user);
    this.toHarmony.set(user, harmony);
    this.toUser.set(harmony, user);
    return harmony;
  }

  original(harmony: string): string {
    return this.toUser.get(harmony) ?? harmony;
  }

  private derive(user: string): string {
    let base = '';
    for (const ch of user) {
      if (ch === ' ' || ch === '-' || ch === '.') base += '_';
      else if (/[\p{L}\p{Nd}_$]/u.test(ch)) base += ch;
    }
    if (base === '') base = 'unnamed';
    if (/^[0-9]/.test(base)) base = `_${base}`;
    let candidate = base;
    for (let n = 2; this.toUser.has(candidate); n++) candidate = `${base}_${n}`;
    return candidate;
  }
}

export class HarmonyParser implements BuiltinParser {
  readonly hasToolSupport = true;
  readonly hasThinkingSupport = true;
  // <|call|> and <|return|> end the answer (end-of-generation tokens): only the tags inside it are kept.
  readonly preservedTokens = [START, END, HEADER_END, '<|channel|>', '<|constrain|>'];
  private readonly stream = new HarmonyStream();
  private readonly names = new FunctionNameMap();
  private mode: 'normal' | 'thinking' | 'toolCalling' = 'normal';
  private toolName: string | undefined;
  private toolArgs = '';

  init(
    tools: ToolDefinition[],
    lastMessage: { role: string; content?: string; thinking?: string } | undefined,
  ): ToolDefinition[] {
    this.stream.addImplicitStart(lastMessage);
    return tools.map((t) => {
      const name = t.function?.name;
      if (!name) return t;
      return { ...t, function: { ...t.function, name: this.names.convertAndAdd(name) } };
    });
  }

  add(piece: string, done: boolean): ParsedPiece {
    const out: ParsedPiece = { content: '', thinking: '', calls: [] };
    for (const e of this.stream.add(piece)) {
      if (e.kind === 'header') {
        const { channel, recipient } = e.header;
        if ((channel === 'analysis' || channel === 'commentary') && recipient) {
          this.mode = 'toolCalling';
          this.toolName = recipient;
        } else if (channel === 'analysis') this.mode = 'thinking';
        else if (channel === 'commentary' || channel === 'final') this.mode = 'normal';
      } else if (e.kind === 'content') {
        if (this.mode === 'normal') out.content += e.text;
        else if (this.mode === 'thinking') out.thinking += e.text;
        else this.toolArgs += e.text;
      } else if (e.kind === 'end') {
        this.mode = 'normal';
      }
    }
    // A call is always the last message of an answer: its arguments are parsed when the answer ends.
    if (done && this.toolName !== undefined) {
      const name = this.names.original(this.toolName.replace(/^functions\./, ''));
      const raw = this.toolArgs;
      this.toolName = undefined;
      this.toolArgs = '';
      out.calls.push(parseCall(name, raw));
    }
    return out;
  }
}

function parseCall(name: string, raw: string): ToolCall {
  let args: unknown;
  try {
    args = JSON.parse(raw);
  } catch (e) {
    throw new ParserError(`error parsing tool call: raw='${raw}', err=${(e as Error).message}`);
  }
  const value =
    args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
  return { function: { index: 0, name, arguments: value } };
}
