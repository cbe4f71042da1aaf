// Who the peers are at a given moment: names resolved on each use, duplicates merged, and this replica left out
// whether it is bound to one address, to every address (a pod), or shares loopback with its peers (tests).
import { describe, expect, it } from 'vitest';
import { isSelf, resolvePeers } from './peerList.ts';

const POD_IPS = ['10.42.0.7', 'fe80::1'];

describe('isSelf', () => {
  it('a server bound to every address is each local address and loopback, at its port only', () => {
    const self = { host: '0.0.0.0', port: 11434 };
    expect(isSelf('10.42.0.7', 11434, self, POD_IPS)).toBe(true);
    expect(isSelf('::ffff:10.42.0.7', 11434, self, POD_IPS)).toBe(true);
    expect(isSelf('127.0.0.5', 11434, self, POD_IPS)).toBe(true);
    expect(isSelf('::1', 11434, { host: '::', port: 11434 }, POD_IPS)).toBe(true);
    expect(isSelf('10.42.0.8', 11434, self, POD_IPS)).toBe(false);
    expect(isSelf('10.42.0.7', 11435, self, POD_IPS)).toBe(false);
  });

  it('a server bound to one address is that address only', () => {
    expect(isSelf('127.0.0.2', 11434, { host: '127.0.0.2', port: 11434 }, POD_IPS)).toBe(true);
    expect(isSelf('127.0.0.3', 11434, { host: '127.0.0.2', port: 11434 }, POD_IPS)).toBe(false);
    expect(isSelf('127.0.0.1', 5001, { host: '127.0.0.1', port: 5000 }, POD_IPS)).toBe(false);
  });
});

describe('resolvePeers', () => {
  const dns: Record<string, string[]> = {
    'llm-manager-peers.ownchat.svc.cluster.local': ['10.42.0.7', '10.42.1.3', '10.42.2.9'],
  };
  let lookups = 0;
  const resolve = async (host: string) => {
    lookups++;
    const found = dns[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };

  it("resolves a headless Service's name on each use and leaves this pod out", async () => {
    const entries = [{ host: 'llm-manager-peers.ownchat.svc.cluster.local', port: 11434 }];
    const self = { host: '0.0.0.0', port: 11434 };
    const first = await resolvePeers(entries, self, resolve, POD_IPS);
    expect(first.peers.map((p) => p.label)).toEqual(['10.42.1.3:11434', '10.42.2.9:11434']);
    // A pod joins: the next use sees it (no cache), and the name was looked up again.
    dns['llm-manager-peers.ownchat.svc.cluster.local']!.push('10.42.3.1');
    const before = lookups;
    const second = await resolvePeers(entries, self, resolve, POD_IPS);
    expect(lookups).toBe(before + 1);
    expect(second.peers.map((p) => p.label)).toContain('10.42.3.1:11434');
  });

  it('takes one list for every replica: the own entry is left out, duplicates merged', async () => {
    const entries = [
      { host: '127.0.0.1', port: 5000 },
      { host: '127.0.0.1', port: 5001 },
      { host: '127.0.0.1', port: 5002 },
      { host: '127.0.0.1', port: 5001 },
    ];
    const { peers } = await resolvePeers(entries, { host: '127.0.0.1', port: 5001 }, resolve, POD_IPS);
    expect(peers).toEqual([
      { address: '127.0.0.1', port: 5000, label: '127.0.0.1:5000' },
      { address: '127.0.0.1', port: 5002, label: '127.0.0.1:5002' },
    ]);
    const v6 = await resolvePeers([{ host: '::1', port: 1 }], { host: '::1', port: 2 }, resolve, []);
    expect(v6.peers.map((p) => p.label)).toEqual(['[::1]:1']);
  });

  it('reports a name that resolves to nothing, and keeps the others', async () => {
    const r = await resolvePeers(
      [
        { host: 'gone.example', port: 11434 },
        { host: '10.0.0.9', port: 11434 },
      ],
      { host: '0.0.0.0', port: 11434 },
      resolve,
      POD_IPS,
    );
    expect(r.peers.map((p) => p.label)).toEqual(['10.0.0.9:11434']);
    expect(r.unresolved).toEqual([
      { entry: 'gone.example:11434', reason: 'getaddrinfo ENOTFOUND gone.example' },
    ]);
  });
});
