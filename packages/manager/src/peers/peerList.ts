// Which replicas are this one's peers right now. OWNCHAT_PEERS's names are resolved on every use (a headless
// Service's DNS answer changes as pods come and go), and this replica's own address is left out, so every
// replica can be given the same list.
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import type { PeerEntry } from '../config/peers.ts';

/** A peer to call: an address and a port, and how messages name it. */
export type Peer = { address: string; port: number; label: string };

/** Where this replica listens: the host of OLLAMA_HOST and the port it got. */
export type SelfAddress = { host: string; port: number };

export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) =>
  (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Every address of this machine's interfaces (a pod's own IP among them). */
export function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .map((i) => i?.address)
    .filter((a): a is string => !!a);
}

function normalise(address: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (v4mapped ? v4mapped[1]! : address).toLowerCase();
}

function isLoopback(address: string): boolean {
  const a = normalise(address);
  return a === '::1' || /^127\./.test(a);
}

/**
 * Whether `address:port` is this replica. A server bound to one address (127.0.0.2) is only that address; one
 * bound to every address (0.0.0.0, ::) or to a name is every local address, loopback included, at its port.
 */
export function isSelf(
  address: string,
  port: number,
  self: SelfAddress,
  ownAddresses: readonly string[],
): boolean {
  if (port !== self.port) return false;
  const a = normalise(address);
  if (net.isIP(self.host) && self.host !== '0.0.0.0' && self.host !== '::') return a === normalise(self.host);
  return isLoopback(a) || ownAddresses.some((o) => normalise(o) === a);
}

export type ResolvedPeers = {
  peers: Peer[];
  /** Entries whose name resolved to nothing, with why: logged, not fatal (a Service with no ready pods yet). */
  unresolved: { entry: string; reason: string }[];
};

/** The peers of `entries` now: each name resolved, duplicates and this replica left out. */
export async function resolvePeers(
  entries: readonly PeerEntry[],
  self: SelfAddress,
  resolve: Resolve = resolveAll,
  ownAddresses: readonly string[] = interfaceAddresses(),
): Promise<ResolvedPeers> {
  const found = await Promise.all(
    entries.map(async (e) => {
      try {
        const addresses = net.isIP(e.host) ? [e.host] : await resolve(e.host);
        return { entry: e, addresses };
      } catch (err) {
        return { entry: e, addresses: [], reason: (err as Error).message };
      }
    }),
  );
  const peers = new Map<string, Peer>();
  const unresolved: ResolvedPeers['unresolved'] = [];
  for (const { entry, addresses, reason } of found) {
    if (addresses.length === 0) {
      unresolved.push({ entry: `${entry.host}:${entry.port}`, reason: reason ?? 'no addresses' });
    }
    for (const address of addresses) {
      if (isSelf(address, entry.port, self, ownAddresses)) continue;
      const a = normalise(address);
      const label = `${a.includes(':') ? `[${a}]` : a}:${entry.port}`;
      peers.set(label, { address: a, port: entry.port, label });
    }
  }
  return { peers: [...peers.values()], unresolved };
}
