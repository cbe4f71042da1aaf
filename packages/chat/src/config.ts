// Every setting the chatbot reads, in one place, in the llm-manager's pattern (packages/manager/src/config.ts):
// one typed reader with a description per variable, so `ownchat --help` lists them and nothing else in the
// chatbot reads process.env. OLLAMA_HOST and OWNCHAT_LOG_LEVEL are the manager's own readers: both programs
// must understand them the same way.
import os from 'node:os';
import path from 'node:path';
import { ConfigError, clientUrl, settings as managerSettings } from '@ownchat/manager/for-clients';

type Env = Record<string, string | undefined>;

export type Listen = { host: string; port: number };

type Setting<T> = {
  name: string;
  description: string;
  /** The default as a user reads it in --help. */
  defaultText: string;
  read: (raw: string | undefined) => T;
};

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

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

export const chatSettings = {
  listen: setting<Listen>({
    name: 'OWNCHAT_LISTEN',
    description: 'Address the chatbot web app listens on (host:port; 0.0.0.0:8080 to open it to the network)',
    defaultText: DEFAULT_LISTEN,
    read: parseListen,
  }),
  data: setting<string>({
    name: 'OWNCHAT_DATA',
    description: "The chatbot's data folder: conversations are kept in chat.db (SQLite) there",
    defaultText: '~/.ownchat',
    read: (raw) => path.resolve(raw?.trim() || path.join(os.homedir(), '.ownchat')),
  }),
  defaultModel: setting<string>({
    name: 'OWNCHAT_DEFAULT_MODEL',
    description: 'Model a new chat uses; pulled with the first message when the llm-manager lacks it',
    defaultText: 'qwen2.5:0.5b',
    read: (raw) => raw?.trim() || 'qwen2.5:0.5b',
  }),
} as const;

type ChatSettings = typeof chatSettings;
export type ChatConfig = { [K in keyof ChatSettings]: ReturnType<ChatSettings[K]['read']> } & {
  /** The llm-manager (or Ollama) the chatbot talks to: OLLAMA_HOST as a client URL. */
  upstream: string;
  /** OWNCHAT_API_KEY: sent to the llm-manager as a bearer token. */
  apiKey: string | undefined;
  logLevel: string;
};

/** Reads the chatbot's settings from the environment; throws ConfigError naming the bad variable. */
export function readChatConfig(env: Env = process.env): ChatConfig {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(chatSettings)) {
    out[key] = (s as Setting<unknown>).read(env[s.name]);
  }
  const { host, apiKey, logLevel } = managerSettings;
  out.upstream = clientUrl(host.read(env[host.name], env));
  out.apiKey = apiKey.read(env[apiKey.name], env);
  out.logLevel = logLevel.read(env[logLevel.name], env);
  return out as ChatConfig;
}

/** The chatbot's own rows for --help (the settings it shares with the llm-manager are listed with its). */
export function describeChatSettings(): { name: string; defaultText: string; description: string }[] {
  return Object.values(chatSettings).map(({ name, defaultText, description }) => ({
    name,
    defaultText,
    description,
  }));
}
