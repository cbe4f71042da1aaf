// Ollama's model/parsers/ministral_test.go (ministral.cases.ts): the events each streamed step gives, the
// calls' indices, the errors, findJSONEnd; plus what happens when the answer ends with text held back.
import { describe, expect, it } from 'vitest';
import { ParserError } from './builtinParser.ts';
import { JSON_END, STEPS } from './ministral.cases.ts';
import { findJsonEnd, MinistralParser } from './ministral.ts';
import { parserForName } from './parserForName.ts';

const parser = (tools: { function?: { name?: string } }[], think = false) => {
  const p = new MinistralParser(think);
  p.init(tools, undefined);
  return p;
};

describe('ministral parser (Ollama model/parsers/ministral_test.go)', () => {
  it.each(STEPS)('TestMinistralParserStreaming $desc', (c) => {
    const p = parser(c.tools, c.think);
    c.steps.forEach((step, i) => {
      expect({ step: i, events: p.events(step.input) }).toEqual({ step: i, events: step.events });
    });
  });

  it('TestMinistralParserAssignsSequentialToolCallIndices', () => {
    const p = parser([{ function: { name: 'get_weather' } }, { function: { name: 'get_time' } }]);
    expect(
      p.add(
        '[TOOL_CALLS]get_weather[ARGS]{"location":"NYC"}[TOOL_CALLS]get_time[ARGS]{"timezone":"EST"}',
        true,
      ),
    ).toEqual({
      content: '',
      thinking: '',
      calls: [
        { function: { index: 0, name: 'get_weather', arguments: { location: 'NYC' } } },
        { function: { index: 1, name: 'get_time', arguments: { timezone: 'EST' } } },
      ],
    });
  });

  it('TestMinistralParser_Errors: an unknown tool, and arguments that are not JSON, fail the answer', () => {
    expect(() =>
      parser([{ function: { name: 'known_tool' } }]).add('[TOOL_CALLS]unknown_tool[ARGS]{"a": 1}', true),
    ).toThrow(new ParserError("tool 'unknown_tool' not found"));
    expect(() =>
      parser([{ function: { name: 'test' } }]).add('[TOOL_CALLS]test[ARGS]{invalid json}', true),
    ).toThrow(ParserError);
  });

  it.each(JSON_END)('TestFindJSONEnd $name', (c) => {
    expect(findJsonEnd(c.input)).toBe(c.expected);
  });

  it('TestMinistralParser_HasToolSupport and HasThinkingSupport; the registry has ministral without thinking', () => {
    expect(new MinistralParser(false).hasToolSupport).toBe(true);
    expect(new MinistralParser(false).hasThinkingSupport).toBe(false);
    expect(new MinistralParser(true).hasThinkingSupport).toBe(true);
    const registered = parserForName('ministral');
    expect(registered).toBeInstanceOf(MinistralParser);
    expect(registered?.hasThinkingSupport).toBe(false);
    expect(registered?.preservedTokens).toEqual(['[TOOL_CALLS]', '[THINK]', '[/THINK]', '[ARGS]']);
  });

  it('a thinking model starts inside [THINK] unless it continues an answer with content', () => {
    const p = new MinistralParser(true);
    p.init([], { role: 'assistant', content: 'So far' });
    expect(p.add(' more', true)).toEqual({ content: ' more', thinking: '', calls: [] });
  });

  it('the same output split at every place gives the same answer', () => {
    const out = 'Let me check. [TOOL_CALLS]get_weather[ARGS]{"location": "Paris {fr}", "days": [1, 2]}';
    const tools = [{ function: { name: 'get_weather' } }];
    const whole = parser(tools).add(out, true);
    expect(whole).toEqual({
      content: 'Let me check.',
      thinking: '',
      calls: [
        { function: { index: 0, name: 'get_weather', arguments: { location: 'Paris {fr}', days: [1, 2] } } },
      ],
    });
    for (let at = 1; at < out.length; at++) {
      const p = parser(tools);
      const a = p.add(out.slice(0, at), false);
      const b = p.add(out.slice(at), true);
      expect({ at, content: a.content + b.content, calls: [...a.calls, ...b.calls] }).toEqual({
        at,
        content: whole.content,
        calls: whole.calls,
      });
    }
  });

  it('when the answer ends, a call that never completed and a tag that never completed come back as text (not in Ollama)', () => {
    const tools = [{ function: { name: 't' } }];
    expect(parser(tools).add('[TOOL_CALLS]t[ARGS]{"a": ', true)).toEqual({
      content: '[TOOL_CALLS]t[ARGS]{"a": ',
      thinking: '',
      calls: [],
    });
    expect(parser(tools).add('[TOOL_CALLS]t', true).content).toBe('[TOOL_CALLS]t');
    expect(parser(tools).add('see [TOOL', true).content).toBe('see [TOOL');
    expect(parser(tools).add('trailing  \n', true).content).toBe('trailing');
  });
});
