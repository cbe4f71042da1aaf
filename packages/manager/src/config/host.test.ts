import { describe, expect, it } from 'vitest';
import { clientUrl, parseOllamaHost } from './host.ts';

describe('OLLAMA_HOST, read as Ollama reads it', () => {
  it.each([
    [undefined, 'http', '127.0.0.1', 11434],
    ['', 'http', '127.0.0.1', 11434],
    ['0.0.0.0', 'http', '0.0.0.0', 11434],
    ['0.0.0.0:8080', 'http', '0.0.0.0', 8080],
    [':1234', 'http', '127.0.0.1', 1234],
    ['example.com', 'http', 'example.com', 11434],
    ['http://example.com', 'http', 'example.com', 80],
    ['https://example.com', 'https', 'example.com', 443],
    ['http://example.com:5000/some/path', 'http', 'example.com', 5000, '/some/path'],
    ['http://10.0.0.5/ollama/', 'http', '10.0.0.5', 80, '/ollama'],
    ['127.0.0.1:8080/ollama', 'http', '127.0.0.1', 8080, '/ollama'],
    ['[::1]:11435', 'http', '::1', 11435],
    ['"127.0.0.1:9000"', 'http', '127.0.0.1', 9000],
  ])('%j', (raw, scheme, host, port, path?: string) => {
    expect(parseOllamaHost(raw)).toStrictEqual(path ? { scheme, host, port, path } : { scheme, host, port });
  });

  it.each([
    ['127.0.0.1:notaport', /port "notaport" is not a port number/],
    ['127.0.0.1:70000', /port "70000"/],
    ['ftp://example.com', /scheme ftp is not supported/],
  ])('rejects %j', (raw, message) => {
    expect(() => parseOllamaHost(raw)).toThrow(message);
  });

  it('gives clients a reachable URL for a wildcard address', () => {
    expect(clientUrl({ scheme: 'http', host: '0.0.0.0', port: 11434 })).toBe('http://127.0.0.1:11434');
    expect(clientUrl({ scheme: 'http', host: '::1', port: 1 })).toBe('http://[::1]:1');
  });

  it('keeps a path prefix in the URL clients use', () => {
    expect(clientUrl(parseOllamaHost('http://proxy.example:8080/ollama'))).toBe(
      'http://proxy.example:8080/ollama',
    );
  });
});
