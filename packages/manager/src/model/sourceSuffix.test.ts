// Source suffixes read as Ollama reads them: the cases of internal/modelref/modelref_test.go (TestParseRef).
import { describe, expect, it } from 'vitest';
import { BadRequestError, ForbiddenError } from '../errors.ts';
import { localModelName, parseSourceSuffix } from './sourceSuffix.ts';

describe("a model name's source suffix (Ollama's TestParseRef)", () => {
  it.each([
    ['gpt-oss:20b:cloud', 'gpt-oss:20b', 'cloud'],
    ['gpt-oss:20b-cloud', 'gpt-oss:20b', 'cloud'],
    ['qwen3:8b:local', 'qwen3:8b', 'local'],
    ['llama3.2', 'llama3.2', undefined],
    ['my-cloud-model', 'my-cloud-model', undefined],
    ['foo:bar-cloud/baz', 'foo:bar-cloud/baz', undefined],
  ])('%s → base %s, source %s', (input, base, source) => {
    expect(parseSourceSuffix(input)).toEqual({ base, source });
  });

  it('drops :local, refuses a cloud name with 403 and both suffixes with 400, in Ollama’s words', () => {
    expect(localModelName('qwen3:8b:local', 'run')).toBe('qwen3:8b');
    expect(localModelName('llama3.2', 'run')).toBe('llama3.2');
    expect(() => localModelName('gpt-oss:20b:cloud', 'run')).toThrow(
      new ForbiddenError('ollama cloud is disabled: remote model is unavailable'),
    );
    expect(() => localModelName('gpt-oss:20b-cloud', 'details')).toThrow(
      new ForbiddenError('ollama cloud is disabled: remote model details are unavailable'),
    );
    expect(() => localModelName('foo:cloud:local', 'run')).toThrow(
      new BadRequestError('use either :local or :cloud, not both: "foo:cloud:local"'),
    );
  });
});
