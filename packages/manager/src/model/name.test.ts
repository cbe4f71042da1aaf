import { describe, expect, it } from 'vitest';
import { displayName, parseModelName } from './name.ts';

describe('parseModelName', () => {
  it.each([
    ['qwen2.5:0.5b', 'registry.ollama.ai', 'library', 'qwen2.5', '0.5b', 'qwen2.5:0.5b'],
    ['llama3', 'registry.ollama.ai', 'library', 'llama3', 'latest', 'llama3:latest'],
    ['jmorgan/tiny', 'registry.ollama.ai', 'jmorgan', 'tiny', 'latest', 'jmorgan/tiny:latest'],
    [
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
      'hf.co',
      'bartowski',
      'Llama-3.2-1B-Instruct-GGUF',
      'Q4_K_M',
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
    ],
    ['localhost:5000/team/m:v1', 'localhost:5000', 'team', 'm', 'v1', 'localhost:5000/team/m:v1'],
    [
      'registry.ollama.ai/library/qwen2.5:0.5b',
      'registry.ollama.ai',
      'library',
      'qwen2.5',
      '0.5b',
      'qwen2.5:0.5b',
    ],
    ['https://example.com/ns/model:t', 'example.com', 'ns', 'model', 't', 'example.com/ns/model:t'],
  ])('%s', (input, host, namespace, model, tag, shown) => {
    const n = parseModelName(input);
    expect(n).toEqual({ host, namespace, model, tag });
    expect(displayName(n)).toBe(shown);
  });

  it.each([
    ['', /model is required/],
    ['a/b/c/d', /expected \[host\/\]\[namespace\/\]model\[:tag\]/],
    ['bad name', /model "bad name"/],
    ['model:', /tag ""/],
    ['../../etc/passwd', /namespace "\.\."|host/],
    ['ns/mo$del', /model "mo\$del"/],
  ])('rejects %j', (input, message) => {
    expect(() => parseModelName(input)).toThrow(message);
  });
});
