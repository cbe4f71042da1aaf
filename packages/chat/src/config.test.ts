import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeChatSettings, parseListen, readChatConfig } from './config.ts';

describe('chatbot settings', () => {
  it('has defaults that work on a laptop', () => {
    expect(readChatConfig({})).toEqual({
      listen: { host: '127.0.0.1', port: 8080 },
      data: path.join(os.homedir(), '.ownchat'),
      defaultModel: 'qwen2.5:0.5b',
      apiKey: undefined,
      upstream: 'http://127.0.0.1:11434',
      logLevel: 'info',
      auth: 'off',
      trustedProxies: [],
      authHeader: 'x-forwarded-user',
      sessionTtl: 30 * 86_400_000,
      signinAttempts: 5,
      generationsPerMinute: 20,
      statusInterval: 5_000,
      imageMaxMb: 10,
      insecureRegistries: [],
    });
  });

  it('asks for accounts when other machines can reach the chatbot, unless told otherwise', () => {
    const auth = (env: Record<string, string>) => readChatConfig(env).auth;
    expect(auth({ OWNCHAT_LISTEN: '127.0.0.1:9000' })).toBe('off');
    expect(auth({ OWNCHAT_LISTEN: '[::1]:9000' })).toBe('off');
    expect(auth({ OWNCHAT_LISTEN: 'localhost:9000' })).toBe('off');
    expect(auth({ OWNCHAT_LISTEN: '0.0.0.0:8080' })).toBe('local');
    expect(auth({ OWNCHAT_LISTEN: '10.1.2.3:8080' })).toBe('local');
    expect(auth({ OWNCHAT_LISTEN: '0.0.0.0:8080', OWNCHAT_AUTH: 'OFF' })).toBe('off');
    expect(auth({ OWNCHAT_AUTH: 'local' })).toBe('local');
    const header = readChatConfig({
      OWNCHAT_AUTH: 'header',
      OWNCHAT_TRUSTED_PROXIES: '10.42.0.0/16, 127.0.0.1,fd00::/8',
      OWNCHAT_AUTH_HEADER: 'X-Auth-Request-User',
      OWNCHAT_SESSION_TTL: '12h',
    });
    expect(header).toMatchObject({
      auth: 'header',
      trustedProxies: ['10.42.0.0/16', '127.0.0.1', 'fd00::/8'],
      authHeader: 'x-auth-request-user',
      sessionTtl: 12 * 3_600_000,
    });
  });

  it.each([
    [{ OWNCHAT_AUTH: 'ldap' }, 'OWNCHAT_AUTH="ldap": expected off (no sign-in), local'],
    [{ OWNCHAT_AUTH: 'header' }, 'OWNCHAT_AUTH=header needs OWNCHAT_TRUSTED_PROXIES'],
    [{ OWNCHAT_TRUSTED_PROXIES: '10.0.0.0/33' }, '"10.0.0.0/33" is not an address or CIDR range'],
    [{ OWNCHAT_TRUSTED_PROXIES: 'proxy.local' }, '"proxy.local" is not an address or CIDR range'],
    [{ OWNCHAT_SESSION_TTL: 'forever' }, 'OWNCHAT_SESSION_TTL="forever": expected a duration such as 30d'],
    [
      { OWNCHAT_SIGNIN_ATTEMPTS: '-1' },
      'OWNCHAT_SIGNIN_ATTEMPTS="-1" is not valid: expected a whole number ≥ 0',
    ],
    [{ OWNCHAT_STATUS_INTERVAL: '500ms' }, 'OWNCHAT_STATUS_INTERVAL="500ms": at least 1s, e.g. 5s or 15s'],
    [
      { OWNCHAT_STATUS_INTERVAL: 'often' },
      'OWNCHAT_STATUS_INTERVAL="often": expected a duration such as 30d',
    ],
    [{ OWNCHAT_IMAGE_MAX_MB: '0' }, 'OWNCHAT_IMAGE_MAX_MB="0" is not valid: expected a whole number ≥ 1'],
    [{ DATABASE_URL: 'mysql://db/chat' }, 'DATABASE_URL must be a PostgreSQL URL such as postgres://'],
    [{ DATABASE_URL: '/srv/chat.db' }, 'got something that is not a URL'],
  ])('refuses %j, saying what to write', (env, message) => {
    expect(() => readChatConfig(env)).toThrow(message);
  });

  it('reads each variable, and OLLAMA_HOST as the llm-manager reads it', () => {
    const c = readChatConfig({
      OWNCHAT_LISTEN: '0.0.0.0:9000',
      OWNCHAT_DATA: '/srv/ownchat',
      DATABASE_URL: ' postgres://chat:pw@db:5432/ownchat ',
      OWNCHAT_DEFAULT_MODEL: 'llama3.2:1b',
      OWNCHAT_API_KEY: ' secret ',
      OLLAMA_HOST: 'http://llm-manager',
    });
    expect(c).toMatchObject({
      listen: { host: '0.0.0.0', port: 9000 },
      data: '/srv/ownchat',
      database: 'postgres://chat:pw@db:5432/ownchat',
      defaultModel: 'llama3.2:1b',
      apiKey: 'secret',
      upstream: 'http://llm-manager:80',
      auth: 'local',
    });
    // A manager listening on every interface is reached on loopback.
    expect(readChatConfig({ OLLAMA_HOST: '0.0.0.0:11434' }).upstream).toBe('http://127.0.0.1:11434');
  });

  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    [':9090', { host: '127.0.0.1', port: 9090 }],
    ['0.0.0.0', { host: '0.0.0.0', port: 8080 }],
    ['[::1]:8081', { host: '::1', port: 8081 }],
    ['chat.local:0', { host: 'chat.local', port: 0 }],
    ['  ', { host: '127.0.0.1', port: 8080 }],
  ])('OWNCHAT_LISTEN=%j', (raw, expected) => {
    expect(parseListen(raw)).toEqual(expected);
  });

  it.each([
    ['localhost:http', 'OWNCHAT_LISTEN="localhost:http": port "http" is not a port number'],
    ['127.0.0.1:70000', 'OWNCHAT_LISTEN="127.0.0.1:70000": port "70000" is not a port number'],
    ['http://0.0.0.0:8080', 'OWNCHAT_LISTEN="http://0.0.0.0:8080": expected host:port, e.g. 127.0.0.1:8080'],
    ['::1', 'OWNCHAT_LISTEN="::1": expected host:port, e.g. 127.0.0.1:8080'],
  ])('refuses OWNCHAT_LISTEN=%j, saying what to write', (raw, message) => {
    expect(() => readChatConfig({ OWNCHAT_LISTEN: raw })).toThrow(message);
  });

  it('describes every setting it reads for --help', () => {
    expect(describeChatSettings().map((s) => s.name)).toEqual([
      'OWNCHAT_LISTEN',
      'OWNCHAT_DATA',
      'DATABASE_URL',
      'OWNCHAT_DEFAULT_MODEL',
      'OWNCHAT_AUTH',
      'OWNCHAT_TRUSTED_PROXIES',
      'OWNCHAT_AUTH_HEADER',
      'OWNCHAT_SESSION_TTL',
      'OWNCHAT_SIGNIN_ATTEMPTS',
      'OWNCHAT_GENERATIONS_PER_MINUTE',
      'OWNCHAT_STATUS_INTERVAL',
      'OWNCHAT_IMAGE_MAX_MB',
      'OWNCHAT_INSECURE_REGISTRIES',
    ]);
  });
});
