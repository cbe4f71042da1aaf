// OWNCHAT_PEERS: the other llm-manager replicas this one relays pulls, deletes, copies and creates to, and catches
// up from at start. Either the DNS name of a Kubernetes headless Service (it resolves to every ready pod's address;
// this replica's own is left out where the list is used, see peers/peerList.ts) or a comma list of host:port.
import { ConfigError } from '../errors.ts';
import { DEFAULT_PORT } from './host.ts';
import { commaList } from './settings.ts';

/** One entry as written: a host name or an address, and a port. Names are resolved on each use. */
export type PeerEntry = { host: string; port: number };

export function parsePeers(raw: string | undefined): PeerEntry[] {
  return commaList(raw).map((text) => {
    const bad = (why: string) =>
      new ConfigError(
        `OWNCHAT_PEERS: ${JSON.stringify(text)} ${why} (write host:port, e.g. llm-manager-peers.ownchat.svc.cluster.local:11434 or 127.0.0.1:11435, comma-separated)`,
      );
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw bad('has a scheme: peers are reached over plain http');
    let host = text;
    let portText = '';
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (v6) {
      host = v6[1]!;
      portText = v6[2] ?? '';
    } else if (text.split(':').length === 2) {
      [host, portText] = text.split(':') as [string, string];
    } else if (text.includes(':')) {
      throw bad('is an IPv6 address without brackets');
    }
    if (!host || /[/\s@?#]/.test(host)) throw bad('is not a host');
    if (!portText) return { host, port: DEFAULT_PORT };
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw bad('has no valid port');
    return { host, port };
  });
}
