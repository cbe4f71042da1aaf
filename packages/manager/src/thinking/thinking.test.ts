// Cases from Ollama's thinking/parser_test.go (TestExtractThinking, TestThinkingStreaming) and
// thinking/template_test.go (TestInferThinkingTags): the same inputs and expected thinking and content.
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../template/prompt.ts';
import { ThinkingParser } from './thinkingParser.ts';
import { thinkingTags } from './thinkingTags.ts';

describe('ThinkingParser (Ollama thinking/parser_test.go)', () => {
  const whole: [string, string, string][] = [
    ['<think> internal </think> world', 'internal ', 'world'],
    ['<think>a</think><think>b</think>c', 'a', '<think>b</think>c'],
    ['no think', '', 'no think'],
  ];
  for (const [input, thinking, content] of whole) {
    it(`TestExtractThinking ${JSON.stringify(input)}`, () => {
      expect(new ThinkingParser('<think>', '</think>').add(input)).toEqual({ thinking, content });
    });
  }

  const streaming: [string, [string, string, string][]][] = [
    [
      'content without a thinking tag',
      [
        ['  abc', '', '  abc'],
        ['def', '', 'def'],
      ],
    ],
    [
      'content before a thinking tag nerfs the thinking tag',
      [['  abc <think>def</think> ghi', '', '  abc <think>def</think> ghi']],
    ],
    [
      'building up a thinking tag partially',
      [
        ['  <th', '', ''],
        ['in', '', ''],
        ['k>a', 'a', ''],
      ],
    ],
    [
      'partial closing tag',
      [
        ['<think>abc</th', 'abc', ''],
        ['ink>def', '', 'def'],
      ],
    ],
    [
      'partial closing tag fakeout',
      [
        ['<think>abc</th', 'abc', ''],
        ['ing>def', '</thing>def', ''],
        ['ghi</thi', 'ghi', ''],
        ['nk>jkl', '', 'jkl'],
      ],
    ],
    ['whitespace after thinking tag', [['  <think>abc</think>\n\ndef', 'abc', 'def']]],
    [
      'whitespace after thinking tag (incremental)',
      [
        ['  <think>abc</think>', 'abc', ''],
        ['\n\ndef', '', 'def'],
      ],
    ],
    [
      'whitespace after thinking tag with content and more whitespace',
      [
        ['  <think>abc</think>\n\ndef ', 'abc', 'def '],
        [' ghi', '', ' ghi'],
      ],
    ],
    [
      'token by token',
      [
        ['<think>', '', ''],
        ['\n', '', ''],
        ['</think>', '', ''],
        ['\n\n', '', ''],
        ['Hi', '', 'Hi'],
        [' there', '', ' there'],
      ],
    ],
  ];
  for (const [desc, steps] of streaming) {
    it(`TestThinkingStreaming ${desc}`, () => {
      const p = new ThinkingParser('<think>', '</think>');
      for (const [input, thinking, content] of steps) expect(p.add(input)).toEqual({ thinking, content });
    });
  }
});

describe('thinkingTags (Ollama thinking/template_test.go TestInferThinkingTags)', () => {
  const cases: [string, string, string, string][] = [
    [
      'basic',
      `
			{{ if .Thinking}}
				/think
			{{ end }}
			{{- range $i, $_ := .Messages }}
				{{- $last := eq (len (slice $.Messages $i)) 1 -}}
				{{ if and $last .Thinking }}
					<think>{{ .Thinking }}</think>
				{{ end }}
			{{ end }}
		`,
      '<think>',
      '</think>',
    ],
    [
      'doubly nested range',
      `
			{{ if .Thinking}}
				/think
			{{ end }}
			{{- range $i, $_ := .Messages }}
				{{- range $j, $_ := .NotMessages }}
					{{- $last := eq (len (slice $.Messages $i)) 1 -}}
					{{ if and $last .Thinking }}
						<think>{{ .Thinking }}</think>
					{{ end }}
				{{ end }}
			{{ end }}
		`,
      '',
      '',
    ],
    [
      'whitespace is trimmed',
      `
			{{ if .Thinking}}
				/think
			{{ end }}
			{{- range $i, $_ := .Messages }}
				{{- $last := eq (len (slice $.Messages $i)) 1 -}}
				{{ if and $last .Thinking }}
					Some text before   {{ .Thinking }}    Some text after
				{{ end }}
			{{ end }}
		`,
      'Some text before',
      'Some text after',
    ],
  ];
  for (const [desc, src, opening, closing] of cases) {
    it(desc, () => expect(thinkingTags(compileTemplate(src))).toEqual({ opening, closing }));
  }
});
