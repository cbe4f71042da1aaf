// Every setting the chatbot reads, in one place, with the llm-manager's settings reader
// (packages/manager/src/config/settings.ts): one typed reader with a description per variable, so `ownchat --help`
// lists them and nothing else in the chatbot reads process.env. OLLAMA_HOST and OWNCHAT_LOG_LEVEL are the manager's own readers: both programs
// must understand them the same way.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  clientUrl,
  commaList,
  describeTable,
  type Env,
  settings as managerSettings,
  parseGoDuration,
  readSettings,
  readWholeNumber,
  type SettingsOf,
  setting,
} from '@ownchat/manager/for-clients';

export type Listen = { host: string; port: number };

export const DEFAULT_LISTEN = '127.0.0.1:8080';

/** `host:port`, `:port`, `host` or `[v6]:port`; the host defaults to 127.0.0.1 and the port to 8080. */
export function parseListen(raw: string | undefined): Listen {
  const text = raw?.trim() || DEFAULT_LISTEN;
  const bad = (why: string) => new ConfigError(`OWNCHAT_LISTEN=${JSON.stringify(raw)}: ${why}`);
  const m = /^(?:\[([^\]]+)\]|([^:/[\]]*))(?::([^:]*))?$/.exec(text);
  if (!m) throw bad('expected host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 (an IPv6 host in brackets)');
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const portText = m[3] ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw bad(`port "${portText}" is not a port number`);
  return { host, port };
}

/** off: one user, no sign-in. local: accounts with passwords. header: a reverse proxy names the user. */
export type AuthMode = 'off' | 'local' | 'header';

export const isLoopbackHost = (host: string) => /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(host);

/** Off when the chatbot listens on loopback (only this machine reaches it), accounts otherwise. */
function readAuth(raw: string | undefined, env: Env): AuthMode {
  const text = raw?.trim().toLowerCase();
  if (!text) return isLoopbackHost(parseListen(env.OWNCHAT_LISTEN).host) ? 'off' : 'local';
  if (text === 'off' || text === 'local' || text === 'header') return text;
  throw new ConfigError(
    `OWNCHAT_AUTH=${JSON.stringify(raw)}: expected off (no sign-in), local (accounts with passwords) or header (a trusted proxy names the user)`,
  );
}

/** Comma-separated addresses or CIDR ranges, as Fastify's trustProxy takes them. */
function readTrustedProxies(raw: string | undefined): string[] {
  const entries = commaList(raw);
  for (const e of entries) {
    const [address, prefix, extra] = e.split('/');
    const family = net.isIP(address ?? '');
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (!family || !prefixOk || extra !== undefined) {
      throw new ConfigError(
        `OWNCHAT_TRUSTED_PROXIES: "${e}" is not an address or CIDR range (e.g. 10.42.0.0/16, 127.0.0.1, fd00::/8)`,
      );
    }
  }
  return entries;
}

/** A duration: Go's form ("720h", "90m") or whole days ("30d"). */
function readDuration(name: string, fallback: string) {
  return (raw: string | undefined): number => {
    const text = raw?.trim() || fallback;
    const days = /^(\d+)d$/.exec(text);
    const ms = days ? Number(days[1]) * 86_400_000 : parseGoDuration(text);
    if (ms === undefined || ms <= 0) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected a duration such as 30d, 12h or 90m`);
    }
    return ms;
  };
}

/** DATABASE_URL: a postgres:// URL, or nothing (SQLite). */
function readDatabaseUrl(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(text)?.[0];
  if (!/^postgres(ql)?:$/i.test(scheme ?? '') || !URL.canParse(text)) {
    throw new ConfigError(
      `DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/ownchat (got ${scheme ? `a ${scheme}// URL` : 'something that is not a URL'}); leave it unset to keep conversations in chat.db`,
    );
  }
  return text;
}

export const chatSettings = {
  listen: setting<Listen>({
    name: 'OWNCHAT_LISTEN',
    description:
      'Address the chatbot web app listens on (host:port; 0.0.0.0:8080 opens it to the network, with accounts: see OWNCHAT_AUTH)',
    defaultText: DEFAULT_LISTEN,
    read: parseListen,
  }),
  data: setting<string>({
    name: 'OWNCHAT_DATA',
    description: "The chatbot's data folder: conversations are kept in chat.db (SQLite) there",
    defaultText: '~/.ownchat',
    read: (raw) => path.resolve(raw?.trim() || path.join(os.homedir(), '.ownchat')),
  }),
  database: setting<string | undefined>({
    name: 'DATABASE_URL',
    description:
      'A PostgreSQL database (postgres://user:password@host:5432/name) for the chatbot instead of chat.db: several chatbot replicas can share it',
    defaultText: 'none: SQLite, chat.db in OWNCHAT_DATA',
    read: readDatabaseUrl,
  }),
  defaultModel: setting<string>({
    name: 'OWNCHAT_DEFAULT_MODEL',
    description: 'Model a new chat uses; pulled with the first message when the llm-manager lacks it',
    defaultText: 'qwen2.5:0.5b',
    read: (raw) => raw?.trim() || 'qwen2.5:0.5b',
  }),
  auth: setting<AuthMode>({
    name: 'OWNCHAT_AUTH',
    description:
      'Who may use the chatbot: off (no sign-in, one user), local (accounts with passwords; the first to sign up is the admin) or header (a trusted proxy such as oauth2-proxy names the user)',
    defaultText: 'off on loopback, local otherwise',
    read: readAuth,
  }),
  trustedProxies: setting<string[]>({
    name: 'OWNCHAT_TRUSTED_PROXIES',
    description:
      'Reverse proxies (comma-separated addresses or CIDR ranges) whose X-Forwarded-For/-Proto and user header are believed; from anyone else they are ignored',
    defaultText: 'none',
    read: readTrustedProxies,
  }),
  authHeader: setting<string>({
    name: 'OWNCHAT_AUTH_HEADER',
    description: 'With OWNCHAT_AUTH=header: the request header that carries the user name',
    defaultText: 'X-Forwarded-User',
    read: (raw) => (raw?.trim() || 'X-Forwarded-User').toLowerCase(),
  }),
  sessionTtl: setting<number>({
    name: 'OWNCHAT_SESSION_TTL',
    description: 'How long a sign-in lasts before the user must sign in again (e.g. 30d, 12h)',
    defaultText: '30d',
    read: readDuration('OWNCHAT_SESSION_TTL', '30d'),
  }),
  signinAttempts: setting<number>({
    name: 'OWNCHAT_SIGNIN_ATTEMPTS',
    description:
      'Failed sign-ins allowed per account and address in 15 minutes (an address gets 4 times as many across accounts)',
    defaultText: '5',
    read: readWholeNumber('OWNCHAT_SIGNIN_ATTEMPTS', 5, 0),
  }),
  generationsPerMinute: setting<number>({
    name: 'OWNCHAT_GENERATIONS_PER_MINUTE',
    description:
      'Answers each signed-in user may start per minute (0: no limit; not applied with OWNCHAT_AUTH=off)',
    defaultText: '20',
    read: readWholeNumber('OWNCHAT_GENERATIONS_PER_MINUTE', 20, 0),
  }),
  statusInterval: setting<number>({
    name: 'OWNCHAT_STATUS_INTERVAL',
    description:
      "How often the chatbot reads the llm-manager's /metrics for the admins' status page (it keeps the last hour of readings)",
    defaultText: '5s',
    read: (raw) => {
      const ms = readDuration('OWNCHAT_STATUS_INTERVAL', '5s')(raw);
      if (ms < 1000) {
        throw new ConfigError(`OWNCHAT_STATUS_INTERVAL=${JSON.stringify(raw)}: at least 1s, e.g. 5s or 15s`);
      }
      return ms;
    },
  }),
  imageMaxMb: setting<number>({
    name: 'OWNCHAT_IMAGE_MAX_MB',
    description:
      'Largest image (in MB) a user may attach to a question, for models that read images; at most 4 images a question',
    defaultText: '10',
    read: readWholeNumber('OWNCHAT_IMAGE_MAX_MB', 10, 1),
  }),
  insecureRegistries: setting<string[]>({
    name: 'OWNCHAT_INSECURE_REGISTRIES',
    description:
      'Registries (host:port, comma-separated) the chatbot may pull from over plain HTTP when a name says http://; no others',
    defaultText: 'none',
    read: (raw) => commaList(raw).map((h) => h.toLowerCase()),
  }),
} as const;

export type ChatConfig = SettingsOf<typeof chatSettings> & {
  /** The llm-manager (or Ollama) the chatbot talks to: OLLAMA_HOST as a client URL. */
  upstream: string;
  /** OWNCHAT_API_KEY: sent to the llm-manager as a bearer token. */
  apiKey: string | undefined;
  logLevel: string;
};

/** Reads the chatbot's settings from the environment; throws ConfigError naming the bad variable. */
export function readChatConfig(env: Env = process.env): ChatConfig {
  const own = readSettings(chatSettings, env);
  if (own.auth === 'header' && own.trustedProxies.length === 0) {
    throw new ConfigError(
      'OWNCHAT_AUTH=header needs OWNCHAT_TRUSTED_PROXIES: the addresses of the proxy that sets the user header (anyone else could set it too)',
    );
  }
  const { host, apiKey, logLevel } = readSettings(
    { host: managerSettings.host, apiKey: managerSettings.apiKey, logLevel: managerSettings.logLevel },
    env,
  );
  return { ...own, upstream: clientUrl(host), apiKey, logLevel };
}

/** The chatbot's own rows for --help (the settings it shares with the llm-manager are listed with its). */
export function describeChatSettings(): { name: string; defaultText: string; description: string }[] {
  return describeTable(chatSettings);
}

/** One line for the start-up message: who may use the chatbot. */
export function describeAuth(config: Pick<ChatConfig, 'auth' | 'trustedProxies'>): string {
  if (config.auth === 'off') return 'no sign-in (OWNCHAT_AUTH=off): whoever opens the page uses it';
  if (config.auth === 'local') return 'accounts (OWNCHAT_AUTH=local): the first to sign up becomes the admin';
  return `signed in by the proxy at ${config.trustedProxies.join(', ')} (OWNCHAT_AUTH=header)`;
}
