// Multi-line messages in `ownchat run`, as Ollama reads """.
import { describe, expect, it } from 'vitest';
import { MultilineInput } from './multiline.ts';

function feedAll(lines: string[]) {
  const input = new MultilineInput();
  return { results: lines.map((l) => input.feed(l)), open: input.open };
}

describe('MultilineInput', () => {
  it('passes a plain line through as a message', () => {
    expect(feedAll(['Hello there']).results).toEqual([{ kind: 'message', text: 'Hello there' }]);
  });

  it('collects the lines between """ and """', () => {
    const { results, open } = feedAll(['"""', 'first line', '  indented', 'last"""']);
    expect(results.slice(0, 3).every((r) => r.kind === 'more')).toBe(true);
    expect(results[3]).toEqual({ kind: 'message', text: 'first line\n  indented\nlast' });
    expect(open).toBe(false);
  });

  it('keeps text on the opening line, and takes """one line""" as one message', () => {
    expect(feedAll(['"""Dear model,', 'hello."""']).results[1]).toEqual({
      kind: 'message',
      text: 'Dear model,\nhello.',
    });
    expect(feedAll(['"""just this"""']).results[0]).toEqual({ kind: 'message', text: 'just this' });
  });

  it('stays open until the closing """, and reset() drops what was typed', () => {
    const input = new MultilineInput();
    input.feed('"""');
    input.feed('half a thought');
    expect(input.open).toBe(true);
    input.reset();
    expect(input.open).toBe(false);
    expect(input.feed('fresh')).toEqual({ kind: 'message', text: 'fresh' });
  });
});
