// Ollama's model/parsers/deepseek3_test.go cases (deepseek3.cases.ts), plus the same outputs split at every
// place a real model's pieces could split them (between tokens: the family's tags are single tokens).
import { describe, expect, it } from 'vitest';
import { CALL_TEXT, EDGE, STREAMED, WHOLE } from './deepseek3.cases.ts';
import { DeepSeek3Parser, parseDeepSeekCall } from './deepseek3.ts';
import { feedPieces } from './feedPieces.ts';
import { parserForName } from './parserForName.ts';

const parser = (hasThinking: boolean) => {
  const p = new DeepSeek3Parser(hasThinking);
  p.init([], undefined, hasThinking);
  return p;
};

const run = feedPieces;

const TAGS = /<｜[^｜]*｜>|<\/think>/g;

/** The places a string can be split without cutting one of the family's tags (single tokens) in two. */
function splitPoints(s: string): number[] {
  const inside = new Set<number>();
  for (const m of s.matchAll(TAGS)) for (let i = m.index + 1; i < m.index + m[0].length; i++) inside.add(i);
  const points: number[] = [];
  for (let i = 1; i < s.length; i++) {
    // Never between the two halves of a surrogate pair: a token holds whole characters.
    const low = s.charCodeAt(i);
    if (!inside.has(i) && !(low >= 0xdc00 && low <= 0xdfff)) points.push(i);
  }
  return points;
}

describe('deepseek3 parser (Ollama model/parsers/deepseek3_test.go)', () => {
  it.each(WHOLE)('TestDeepSeekParser $name', (c) => {
    expect(run(parser(c.hasThinking), [c.input])).toEqual({
      content: c.content,
      thinking: c.thinking,
      calls: c.calls,
    });
  });

  it.each(STREAMED)('TestDeepSeekParser_Streaming $name', (c) => {
    expect(run(parser(c.hasThinking), c.chunks)).toEqual({
      content: c.content,
      thinking: c.thinking,
      calls: c.calls,
    });
  });

  it.each(EDGE)('TestDeepSeekParser_EdgeCases $name', (c) => {
    const r = run(parser(c.hasThinking), [c.input]);
    expect({ content: r.content, thinking: r.thinking }).toEqual({
      content: c.content,
      thinking: c.thinking,
    });
  });

  it.each(CALL_TEXT)('TestDeepSeek3Parser_parseToolCallContent $name', (c) => {
    expect(parseDeepSeekCall(c.content) ?? null).toEqual(c.expected);
  });

  it('TestDeepSeekParser_HasThinkingSupport, HasToolSupport and the registry (deepseek3 thinks)', () => {
    expect(new DeepSeek3Parser(true).hasThinkingSupport).toBe(true);
    expect(new DeepSeek3Parser(false).hasThinkingSupport).toBe(false);
    expect(new DeepSeek3Parser(false).hasToolSupport).toBe(true);
    const registered = parserForName('deepseek3');
    expect(registered).toBeInstanceOf(DeepSeek3Parser);
    expect(registered?.hasThinkingSupport).toBe(true);
  });

  it('TestDeepSeekParser_Init: the tools come back unchanged and thinking is where the answer starts', () => {
    const tools = [{ type: 'function', function: { name: 'test_tool' } }];
    const p = new DeepSeek3Parser(true);
    expect(p.init(tools, undefined, true)).toBe(tools);
    expect(p.add('thought</think>said', true)).toEqual({ content: 'said', thinking: 'thought', calls: [] });
  });

  it('think false, or continuing an answer that has content, starts in content', () => {
    const off = new DeepSeek3Parser(true);
    off.init([], undefined, false);
    expect(off.add('a</think>b', true)).toEqual({ content: 'a</think>b', thinking: '', calls: [] });
    const prefill = new DeepSeek3Parser(true);
    prefill.init([], { role: 'assistant', content: 'The answer' }, true);
    expect(prefill.add(' is 42.', true)).toEqual({ content: ' is 42.', thinking: '', calls: [] });
    const levels = new DeepSeek3Parser(true);
    levels.init([], undefined, 'high'); // a level is thinking on, as Ollama's ThinkValue.Bool() has it
    expect(levels.add('hm</think>ok', true)).toEqual({ content: 'ok', thinking: 'hm', calls: [] });
  });

  it('several calls in one block each get the next index, across pieces', () => {
    const p = parser(false);
    const first = p.add(
      'x<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>a<｜tool▁sep｜>{"n":1}<｜tool▁call▁end｜>',
      false,
    );
    const second = p.add(
      '<｜tool▁call▁begin｜>b<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
      true,
    );
    expect(first.calls).toEqual([{ function: { index: 0, name: 'a', arguments: { n: 1 } } }]);
    expect(second.calls).toEqual([{ function: { index: 1, name: 'b', arguments: {} } }]);
  });

  it('whitespace before a call block in the same piece is dropped', () => {
    const r = run(parser(false), [
      'Checking. \n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>ping<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    ]);
    expect(r).toEqual({
      content: 'Checking.',
      thinking: '',
      calls: [{ function: { index: 0, name: 'ping', arguments: {} } }],
    });
  });

  it('a call block that never closes comes back as text when the answer ends (not in Ollama: it drops it)', () => {
    const p = parser(false);
    const r = run(p, [
      'Let me look.',
      '<｜tool▁calls▁begin｜>',
      '<｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"loc',
    ]);
    expect(r).toEqual({
      content: 'Let me look.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"loc',
      thinking: '',
      calls: [],
    });
  });

  it('whitespace after </think> arriving in a later piece stays content, as in Ollama (no eating state)', () => {
    expect(run(parser(true), ['I think</think>', '\n\nAnswer'])).toEqual({
      content: '\n\nAnswer',
      thinking: 'I think',
      calls: [],
    });
  });

  // Every split of each whole output gives what the whole gives, except where a split puts the whitespace after
  // </think> or after a call block into a later piece (Ollama trims it only when it arrives with the tag).
  const trimsAfterTag = /(<\/think>|<｜tool▁call▁end｜>|<｜tool▁calls▁end｜>)\s/;
  it.each(WHOLE.filter((c) => !trimsAfterTag.test(c.input)))('split in two at every place: $name', (c) => {
    for (const at of splitPoints(c.input)) {
      const r = run(parser(c.hasThinking), [c.input.slice(0, at), c.input.slice(at)]);
      expect({ at, ...r }).toEqual({ at, content: c.content, thinking: c.thinking, calls: c.calls });
    }
  });

  it.each(WHOLE.filter((c) => c.input.length > 0))('in one-token pieces: $name', (c) => {
    const pieces = c.input
      .split(/(<｜[^｜]*｜>|<\/think>)/u)
      .flatMap((part) => (part.startsWith('<｜') || part === '</think>' ? [part] : [...part]));
    const r = run(
      parser(c.hasThinking),
      pieces.filter((p) => p !== ''),
    );
    expect(r.thinking).toBe(c.thinking);
    expect(r.calls).toEqual(c.calls);
    // Whitespace after a tag comes in its own piece here, so Ollama keeps it: compare without it.
    expect(r.content.replace(/^\s+/u, '')).toBe(c.content.replace(/^\s+/u, ''));
  });
});
