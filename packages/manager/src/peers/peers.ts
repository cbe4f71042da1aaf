// This replica's view of its peers (OWNCHAT_PEERS): who they are right now, the client that calls them, and
// whether the catch-up at start is still running (/readyz waits for it, so a new replica takes traffic only
// once it has the models its peers have).
import type { FastifyBaseLogger } from 'fastify';
import type { PeerEntry } from '../config/peers.ts';
import { PeerClient, type PeerClientSettings } from './peerClient.ts';
import { type Peer, type Resolve, resolvePeers, type SelfAddress } from './peerList.ts';

export class Peers {
  readonly client: PeerClient;
  private self: SelfAddress | undefined;
  /** Why this replica is not ready yet on the peers' account; undefined once the catch-up is over. */
  catchingUp: string | undefined;

  constructor(
    private readonly entries: readonly PeerEntry[],
    settings: PeerClientSettings,
    private readonly log: FastifyBaseLogger,
    private readonly resolve?: Resolve,
  ) {
    this.client = new PeerClient(settings);
    if (entries.length) this.catchingUp = 'catching up with the peers (OWNCHAT_PEERS)';
  }

  get configured(): boolean {
    return this.entries.length > 0;
  }

  /** Where this replica listens, once it does: its own address is left out of the peers. */
  listening(self: SelfAddress): void {
    this.self = self;
  }

  /** The peers now: names resolved afresh, this replica left out. None before listening or without OWNCHAT_PEERS. */
  async list(): Promise<Peer[]> {
    if (!this.entries.length || !this.self) return [];
    const { peers, unresolved } = await resolvePeers(this.entries, this.self, this.resolve);
    for (const u of unresolved) {
      this.log.warn({ peer: u.entry, reason: u.reason }, `peer ${u.entry} resolves to no address: left out`);
    }
    return peers;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
