// A new or restarted replica catches up with its peers at start (after OWNCHAT_PRELOAD): it lists their models
// and pulls those it lacks from the registries they came from. Only a model whose registry still serves the very
// manifest a peer holds is pulled (its digest is pinned), so this reaches the models that were pulled; a model
// made on a peer with /api/create or /api/copy is not in any registry under that digest and is left out, with a
// log line that says so (OWNCHAT_PRELOAD, or a pull after the fact, is the way for those).
import type { ManagerContext } from '../context.ts';
import { ForbiddenError, ShuttingDownError } from '../errors.ts';
import { parseModelName } from '../model/name.ts';
import { OtherVersionError } from '../registry/pull.ts';
import { manifestKey } from '../store/manifests.ts';
import type { PeerModel } from './peerClient.ts';

export type CatchUpReport = { pulled: string[]; skipped: { model: string; reason: string }[] };

/** Pulls what the peers have and this replica lacks; never throws (what it could not do is logged). */
export async function catchUp(ctx: ManagerContext): Promise<CatchUpReport> {
  const report: CatchUpReport = { pulled: [], skipped: [] };
  try {
    if (!ctx.peers.configured) return report;
    const peers = await ctx.peers.list();
    const lists = await Promise.all(
      peers.map((p) =>
        ctx.peers.client.tags(p).catch((e) => {
          ctx.log.warn({ peer: p.label, err: e }, `catch-up: cannot list the models of replica ${p.label}`);
          return [] as PeerModel[];
        }),
      ),
    );
    const have = new Set((await ctx.store.list()).map((m) => manifestKey(m.name)));
    const wanted = new Map<string, { name: string; digests: Set<string> }>();
    for (const m of lists.flat()) {
      let key: string;
      try {
        key = manifestKey(parseModelName(m.name));
      } catch {
        continue; // a name this server cannot store is not one to pull
      }
      if (have.has(key)) continue;
      const w = wanted.get(key) ?? { name: m.name, digests: new Set<string>() };
      w.digests.add(m.digest);
      wanted.set(key, w);
    }
    ctx.log.info(
      { peers: peers.map((p) => p.label), missing: [...wanted.values()].map((w) => w.name) },
      `catch-up: ${peers.length} ${peers.length === 1 ? 'peer' : 'peers'}, ${wanted.size} of their models missing here`,
    );
    // One at a time, as the preloads: pulls compete for the disk and the network.
    for (const { name, digests } of wanted.values()) {
      ctx.peers.catchingUp = `catching up with the peers: pulling ${name}`;
      try {
        await pullPinned(ctx, name, digests);
        report.pulled.push(name);
        ctx.log.info({ model: name }, `catch-up: pulled ${name}, the version the peers have`);
      } catch (e) {
        if (e instanceof ShuttingDownError) break; // the server is stopping: nothing more to catch up
        const reason = (e as Error).message;
        report.skipped.push({ model: name, reason });
        ctx.log.warn(
          { model: name, reason },
          `catch-up: ${name} is on the peers but was not pulled here (${reason}). Only models pulled from a registry reach new replicas; one made with /api/create or /api/copy on a peer does not: create it again, or list it in OWNCHAT_PRELOAD`,
        );
      }
    }
  } catch (e) {
    ctx.log.error({ err: e }, 'catch-up with the peers failed');
  } finally {
    ctx.peers.catchingUp = undefined;
  }
  return report;
}

/**
 * Pulls `name` only at one of `digests`. The scheme is not part of a stored name: https first, then plain http
 * (a cluster's own registry often is). The digest pin is what makes the http attempt safe: a manifest that is
 * not the peers' is refused, and every blob is checked against the manifest as it arrives.
 */
async function pullPinned(ctx: ManagerContext, name: string, digests: Set<string>): Promise<void> {
  const attempts: string[] = [];
  for (const insecure of [false, true]) {
    try {
      await ctx.pulls.pull(ctx.pulls.prepare(name, insecure), () => {}, undefined, digests);
      return;
    } catch (e) {
      if (e instanceof OtherVersionError || e instanceof ForbiddenError || e instanceof ShuttingDownError)
        throw e;
      attempts.push(`over ${insecure ? 'http' : 'https'}: ${(e as Error).message}`);
    }
  }
  throw new Error(attempts.join('; '));
}
