// OWNCHAT_PEERS as written: a headless Service's name or a comma list of host:port, and the words a bad entry gets.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { readConfig } from './config.ts';
import { parsePeers } from './peers.ts';

describe('OWNCHAT_PEERS', () => {
  it('reads a headless Service name, host:port lists, IPv6 in brackets, and 11434 by default', () => {
    expect(parsePeers('llm-manager-peers.ownchat.svc.cluster.local:11434')).toEqual([
      { host: 'llm-manager-peers.ownchat.svc.cluster.local', port: 11434 },
    ]);
    expect(parsePeers(' 127.0.0.1:11435, 127.0.0.2 ,,[::1]:9000 ')).toEqual([
      { host: '127.0.0.1', port: 11435 },
      { host: '127.0.0.2', port: 11434 },
      { host: '::1', port: 9000 },
    ]);
    expect(parsePeers(undefined)).toEqual([]);
    expect(parsePeers('  ')).toEqual([]);
  });

  it.each([
    ['http://a:1', 'has a scheme'],
    ['a:0', 'has no valid port'],
    ['a:70000', 'has no valid port'],
    ['a:12x', 'has no valid port'],
    ['::1', 'IPv6 address without brackets'],
    [':11434', 'is not a host'],
    ['a/b:1', 'is not a host'],
  ])('refuses %j: it %s, and says how to write one', (raw, why) => {
    expect(() => parsePeers(raw)).toThrow(ConfigError);
    expect(() => parsePeers(raw)).toThrow(why);
    expect(() => parsePeers(raw)).toThrow(/OWNCHAT_PEERS: .*write host:port/);
  });

  it('is read by the manager config with OWNCHAT_PEER_TIMEOUT (10 s by default)', () => {
    const c = readConfig({ OWNCHAT_PEERS: 'a:1,b:2' });
    expect(c.peers).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(c.peerTimeout).toBe(10_000);
    expect(readConfig({ OWNCHAT_PEER_TIMEOUT: '2s' }).peerTimeout).toBe(2000);
    expect(() => readConfig({ OWNCHAT_PEER_TIMEOUT: '0' })).toThrow(
      'OWNCHAT_PEER_TIMEOUT="0" must be a positive duration',
    );
  });
});
