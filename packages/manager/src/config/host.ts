// OLLAMA_HOST, read exactly as Ollama reads it (envconfig.Host): a scheme picks the default port
// (http 80, https 443), a bare host gets 11434, ":port" means 127.0.0.1. A path (http://host/ollama) is kept for
// clients, as Ollama keeps it: they reach a server published under a prefix by a reverse proxy; the server itself
// listens on the address and ignores it.
import { ConfigError } from '../errors.ts';

export type ListenAddress = {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** "/ollama" of http://host/ollama: where clients find the API (no trailing slash); absent for none. */
  path?: string;
};

export const DEFAULT_PORT = 11434;

export function parseOllamaHost(raw: string | undefined): ListenAddress {
  let s = (raw ?? '').trim().replace(/^["']|["']$/g, '');
  let scheme: 'http' | 'https' = 'http';
  let defaultPort = DEFAULT_PORT;
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (m) {
    const given = m[1]!.toLowerCase();
    if (given !== 'http' && given !== 'https') {
      throw new ConfigError(
        `OLLAMA_HOST=${JSON.stringify(raw)}: scheme ${given} is not supported (use http or https)`,
      );
    }
    scheme = given;
    defaultPort = given === 'https' ? 443 : 80;
    s = s.slice(m[0].length);
  }
  const slash = s.indexOf('/');
  const path = slash >= 0 ? s.slice(slash).replace(/\/+$/, '') : '';
  if (slash >= 0) s = s.slice(0, slash);
  let host = s;
  let portText = '';
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2] ?? '';
  } else {
    const i = s.lastIndexOf(':');
    if (i >= 0 && s.indexOf(':') === i) {
      host = s.slice(0, i);
      portText = s.slice(i + 1);
    }
  }
  if (!host) host = '127.0.0.1';
  let port = defaultPort;
  if (portText) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(
        `OLLAMA_HOST=${JSON.stringify(raw)}: port ${JSON.stringify(portText)} is not a port number`,
      );
    }
  }
  return path ? { scheme, host, port, path } : { scheme, host, port };
}

/** The URL a client on this machine uses to reach an address (and its path prefix, if it has one). */
export function clientUrl(a: ListenAddress): string {
  const host = a.host === '0.0.0.0' || a.host === '::' ? '127.0.0.1' : a.host;
  const h = host.includes(':') ? `[${host}]` : host;
  return `${a.scheme}://${h}:${a.port}${a.path ?? ''}`;
}
