import { describe, expect, it } from 'vitest';
import { registryRef } from './reference.ts';

describe('registryRef', () => {
  it.each([
    ['qwen2.5:0.5b', false, 'https://registry.ollama.ai/v2/library/qwen2.5/manifests/0.5b'],
    ['llama3', false, 'https://registry.ollama.ai/v2/library/llama3/manifests/latest'],
    ['jmorgan/tiny', false, 'https://registry.ollama.ai/v2/jmorgan/tiny/manifests/latest'],
    [
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
      false,
      'https://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/manifests/Q4_K_M',
    ],
    [
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF',
      false,
      'https://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/manifests/latest',
    ],
    ['localhost:5000/team/m:v1', true, 'http://localhost:5000/v2/team/m/manifests/v1'],
    ['http://127.0.0.1:5000/library/m', true, 'http://127.0.0.1:5000/v2/library/m/manifests/latest'],
    ['https://example.com/ns/model:t', false, 'https://example.com/v2/ns/model/manifests/t'],
  ])('%s (insecure: %s) → %s', (name, insecure, url) => {
    expect(registryRef(name, insecure).manifestUrl).toBe(url);
  });

  it('builds blob URLs in the same repository', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(registryRef('qwen2.5:0.5b').blobUrl(d)).toBe(
      `https://registry.ollama.ai/v2/library/qwen2.5/blobs/${d}`,
    );
  });

  it('refuses plain http unless insecure, and names that do not parse', () => {
    expect(() => registryRef('http://127.0.0.1:5000/library/m')).toThrow(
      /plain-http registry: pull it with "insecure": true/,
    );
    expect(() => registryRef('a/b/c/d')).toThrow(
      /invalid model name "a\/b\/c\/d": expected \[host\/\]\[namespace\/\]model\[:tag\]/,
    );
    expect(() => registryRef('bad name!')).toThrow(/may hold only letters/);
  });
});
