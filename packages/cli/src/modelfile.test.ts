// Reading Modelfiles: every instruction, quoting and comments, and each mistake named with its line number.
import { describe, expect, it } from 'vitest';
import { ModelfileError, parseModelfile } from './modelfile.ts';

describe('parseModelfile', () => {
  it('reads every instruction, case-insensitively, with comments and blank lines between', () => {
    const m = parseModelfile(
      [
        '# a comment',
        'FROM ./models/det.gguf',
        '',
        'parameter temperature 0.7',
        'PARAMETER num_ctx 1024',
        'PARAMETER stop "<|im_end|>"',
        'PARAMETER stop <|endoftext|>',
        'PARAMETER use_mmap false',
        'System You are terse.',
        '  # an indented comment',
        'TEMPLATE "{{ .Prompt }}"',
        'MESSAGE user Is the sky blue?',
        'MESSAGE assistant Yes.',
        'LICENSE MIT',
      ].join('\n'),
    );
    expect(m).toEqual({
      from: [{ value: './models/det.gguf', line: 2 }],
      template: '{{ .Prompt }}',
      system: 'You are terse.',
      license: ['MIT'],
      parameters: { temperature: 0.7, num_ctx: 1024, stop: ['<|im_end|>', '<|endoftext|>'], use_mmap: false },
      messages: [
        { role: 'user', content: 'Is the sky blue?' },
        { role: 'assistant', content: 'Yes.' },
      ],
    });
  });

  it('reads triple-quoted values over several lines, keeping their lines as written', () => {
    const m = parseModelfile(
      [
        'FROM qwen2.5:0.5b',
        'TEMPLATE """{{ if .System }}<|im_start|>system',
        '{{ .System }}<|im_end|>',
        '{{ end }}<|im_start|>user',
        '{{ .Prompt }}<|im_end|>"""',
        'SYSTEM """',
        '  Be brief.',
        '"""',
        'LICENSE """one"""',
        'LICENSE "two',
        'lines"',
      ].join('\r\n'),
    );
    expect(m.from).toEqual([{ value: 'qwen2.5:0.5b', line: 1 }]);
    expect(m.template).toBe(
      '{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>',
    );
    expect(m.system).toBe('\n  Be brief.\n');
    expect(m.license).toEqual(['one', 'two\nlines']);
  });

  it('keeps an empty quoted value as empty (SYSTEM "" clears a base model\'s system prompt)', () => {
    expect(parseModelfile('FROM base\nSYSTEM ""').system).toBe('');
    expect(parseModelfile('FROM base\nSYSTEM """"""').system).toBe('');
  });

  it("reads RENDERER and PARSER as Ollama's parser.go does (TestParseFileRenderer, TestParseFileParser); the last wins", () => {
    expect(parseModelfile('\nFROM foo\nRENDERER renderer1\n')).toMatchObject({ renderer: 'renderer1' });
    expect(parseModelfile('\nFROM foo\nPARSER parser1\n')).toMatchObject({ parser: 'parser1' });
    const m = parseModelfile('FROM foo\nrenderer a\nParser "b"\nRENDERER qwen3-coder\nPARSER qwen3-coder');
    expect([m.renderer, m.parser]).toEqual(['qwen3-coder', 'qwen3-coder']);
    expect(parseModelfile('FROM foo')).not.toHaveProperty('renderer');
  });

  it("keeps every FROM line in order, as Ollama's parser does (a model GGUF and its projector)", () => {
    const m = parseModelfile('FROM ./model.gguf\n# its projector\nfrom "./mmproj.gguf"\nSYSTEM Look.');
    expect(m.from).toEqual([
      { value: './model.gguf', line: 1 },
      { value: './mmproj.gguf', line: 3 },
    ]);
  });

  const mistakes: [string, string, number, RegExp][] = [
    ['an unknown instruction', 'FROM base\nFORM base', 2, /unknown instruction "FORM": use FROM, TEMPLATE/],
    ['an unknown parameter', 'FROM base\n\nPARAMETER temprature 0.5', 3, /unknown parameter "temprature"/],
    [
      'a parameter of the wrong type',
      'FROM base\nPARAMETER num_ctx lots',
      2,
      /num_ctx must be a whole number, not "lots"/,
    ],
    ['a number that is not one', 'FROM base\nPARAMETER temperature warm', 2, /temperature must be a number/],
    ['a boolean that is not one', 'FROM base\nPARAMETER use_mmap maybe', 2, /use_mmap must be true or false/],
    ['a parameter without a value', 'FROM base\nPARAMETER seed', 2, /PARAMETER seed needs a value/],
    [
      'a bad message role',
      'FROM base\nMESSAGE bot hi',
      2,
      /MESSAGE role must be system, user or assistant, not "bot"/,
    ],
    ['FROM without a value', '# x\nFROM', 2, /FROM needs a value/],
    ['RENDERER without a value', 'FROM base\nRENDERER', 2, /RENDERER needs a value/],
    ['an unclosed """', 'FROM base\nSYSTEM """never\nclosed', 2, /the """ opened here is never closed/],
    ['an instruction ownchat cannot build', 'FROM base\nADAPTER ./lora.gguf', 2, /ADAPTER is not supported/],
  ];
  it.each(mistakes)('names the line of %s', (_what, text, line, message) => {
    let err: unknown;
    try {
      parseModelfile(text, 'my/Modelfile');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelfileError);
    expect((err as ModelfileError).line).toBe(line);
    expect((err as Error).message).toMatch(new RegExp(`^my/Modelfile:${line}: `));
    expect((err as Error).message).toMatch(message);
  });

  it('says a Modelfile without FROM needs one', () => {
    expect(() => parseModelfile('# nothing\nSYSTEM hi', 'Modelfile')).toThrow(
      /^Modelfile: no FROM line: say what to build on, e\.g\. FROM \.\/model\.gguf/,
    );
  });
});
