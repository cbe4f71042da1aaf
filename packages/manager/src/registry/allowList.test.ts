import { describe, expect, it } from 'vitest';
import { parseModelName } from '../model/name.ts';
import { isPullAllowed, parseAllowList } from './allowList.ts';

describe('OWNCHAT_PULL_ALLOW', () => {
  it.each([
    ['', 'anything/at:all', true],
    ['qwen2.5', 'qwen2.5:0.5b', true],
    ['qwen2.5', 'registry.ollama.ai/library/qwen2.5:7b', true],
    ['qwen2.5', 'qwen2.5-coder:7b', false],
    ['qwen2.5:0.5b', 'qwen2.5:7b', false],
    ['qwen2.5:0.5*', 'QWEN2.5:0.5b-instruct', true],
    ['llama3.?', 'llama3.2:1b', true],
    ['hf.co/bartowski/*', 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', true],
    ['hf.co/bartowski/*', 'hf.co/someoneelse/model:Q4_K_M', false],
    ['hf.co/*', 'hf.co/someoneelse/model:Q4_K_M', true],
    ['qwen2.5, hf.co/*', 'hf.co/u/r', true],
    ['*', 'localhost:5000/team/m:v1', true],
    ['localhost:5000/team/*', 'localhost:5000/team/m:v1', true],
    ['localhost:5000/team/*', 'localhost:5001/team/m:v1', false],
    ['library/*', 'phi3:mini', true],
    ['qwen2x5', 'qwen2.5:0.5b', false],
  ])('%j allows %s: %s', (setting, name, allowed) => {
    expect(isPullAllowed(parseAllowList(setting), parseModelName(name))).toBe(allowed);
  });

  it('names a malformed pattern', () => {
    expect(() => parseAllowList('qwen2.5, llama[3]')).toThrow(/"llama\[3\]" is not a model name pattern/);
  });
});
