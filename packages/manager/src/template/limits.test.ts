// Template limits (issue 19): a hostile template is stopped as it runs, with a TemplateLimitError naming the
// limit, and in far less time and memory than it asks for. Each case is a form that would otherwise hang or
// exhaust the heap.
import { describe, expect, it } from 'vitest';
import { TemplateLimitError } from './errors.ts';
import { parseTemplate } from './parser.ts';
import { checkTemplate, renderPrompt } from './prompt.ts';

const user = { messages: [{ role: 'user', content: 'Hi' }] };

function refused(src: string, pattern: RegExp): void {
  const started = performance.now();
  let error: unknown;
  try {
    renderPrompt(src, structuredClone(user));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TemplateLimitError);
  expect((error as Error).message).toMatch(pattern);
  expect(performance.now() - started).toBeLessThan(5_000);
}

describe('template limits', () => {
  it.each([
    ['a range over a huge count', '{{range $i := 99999999999}}x{{end}}{{.Messages}}'],
    ['a bare range over a huge count', '{{range 99999999999}}{{end}}{{.Messages}}'],
    ['nested ranges', '{{range 100000}}{{range 100000}}{{end}}{{end}}{{.Messages}}'],
    ['a range over the messages inside a huge range', '{{range 9999999}}{{range .Messages}}{{end}}{{end}}'],
  ])('stops %s after the step limit', (_name, src) => {
    refused(src, /more than 1000000 steps/);
  });

  it('stops output that grows past 16 MiB, text or printed', () => {
    refused(`{{range 999999}}${'x'.repeat(1000)}{{end}}{{.Messages}}`, /more than 16 MiB of text/);
    refused(`{{range 999999}}{{print "${'y'.repeat(1000)}"}}{{end}}{{.Messages}}`, /more than 16 MiB/);
  });

  it('stops a value that doubles in a variable without ever being written', () => {
    refused('{{$x := "ab"}}{{range 64}}{{$x = print $x $x}}{{end}}{{.Messages}}', /more than 16 MiB/);
  });

  it('refuses blocks and parentheses nested past the depth limit when parsed', () => {
    const blocks = `${'{{if 1}}'.repeat(100_000)}${'{{end}}'.repeat(100_000)}`;
    expect(() => parseTemplate(blocks)).toThrow(/nests blocks or parentheses more than 100 deep/);
    const parens = `{{${'(print '.repeat(50_000)}1${')'.repeat(50_000)}}}`;
    expect(() => parseTemplate(parens)).toThrow(TemplateLimitError);
    // Within the limit, nesting works as before.
    expect(renderPrompt(`${'{{if 1}}'.repeat(50)}ok${'{{end}}'.repeat(50)}{{.Messages}}`, user)).toContain(
      'ok',
    );
  });

  it('stops on the clock when each step is slow', () => {
    const big = 'z'.repeat(8 * 1024 * 1024);
    let error: unknown;
    const started = performance.now();
    try {
      renderPrompt(
        '{{range 999999}}{{len $.Prompt}}{{end}}',
        { messages: [], prompt: big, suffix: 's' },
        {
          maxSteps: 1e9,
          maxOutput: 1e9,
          maxDepth: 100,
          maxMs: 200,
        },
      );
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toMatch(/took longer than 200 ms/);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('shares one budget across the turns of a legacy template', () => {
    const turns = Array.from({ length: 40 }, (_, i) => [
      { role: 'user', content: `q${i}` },
      { role: 'assistant', content: `a${i}` },
    ]).flat();
    // 40 turns × 30,000 steps: each turn is within the limit, the prompt is not.
    expect(() => renderPrompt('{{range 30000}}{{end}}{{.Prompt}}{{.Response}}', { messages: turns })).toThrow(
      TemplateLimitError,
    );
  });

  it('trims a long run of spaces in linear time ({{- after 200 KB of spaces and a letter)', () => {
    const started = performance.now();
    expect(renderPrompt(`${' '.repeat(200_000)}x {{- .Prompt}}`, user)).toBe(`${' '.repeat(200_000)}xHi`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('checkTemplate refuses a looping template and accepts real ones, even ones that fail on other data', () => {
    expect(() => checkTemplate('{{range $i := 99999999999}}x{{end}}')).toThrow(TemplateLimitError);
    expect(() => checkTemplate('{{range .Messages}}{{range 9999999}}{{end}}{{end}}')).toThrow(
      TemplateLimitError,
    );
    expect(() => checkTemplate('{{ .Prompt }}')).not.toThrow();
    // An index past this trial's messages is a run-time error that depends on the conversation: accepted.
    expect(() => checkTemplate('{{ (index .Messages 20).Content }}')).not.toThrow();
  });

  it('ranges over a small count as Go does, with the else branch for zero', () => {
    expect(renderPrompt('{{range $i := 3}}{{$i}}{{end}}{{.Prompt}}', user)).toBe('012Hi');
    expect(renderPrompt('{{range 0}}x{{else}}none{{end}}{{.Prompt}}', user)).toBe('noneHi');
  });
});
