// Pulls, deletes, copies, blob uploads and creates that a client sends one replica, done on every replica: each llm-manager has its own
// model store, and the gateway in front sends inference to any of them. The work is done here and relayed to each
// peer at once (marked relayed, so a peer does not relay again); the answer is the one Ollama gives, and it says
// "success" only when every replica has done its part. A peer that fails or cannot be reached is named.
import type { ManagerContext } from '../context.ts';
import { ModelNotFoundError, PeerError } from '../errors.ts';
import type { PullProgress } from '../registry/pull.ts';
import type { RegistryRef } from '../registry/reference.ts';
import { type CreateRequest, createModel } from '../store/create.ts';
import { PeerStatusError } from './peerClient.ts';
import type { Peer } from './peerList.ts';

/** While this replica waits for slower peers, a status line this often keeps the client (and proxies) informed. */
const WAITING_LINE_MS = 10_000;

/** The peers a request is relayed to: none for a request that is itself a relay. */
async function peersFor(ctx: ManagerContext, relayed: boolean): Promise<Peer[]> {
  return relayed ? [] : ctx.peers.list();
}

/** Runs `call` on every peer at once; the failures' messages, each naming its peer. */
async function onPeers<T>(
  peers: Peer[],
  call: (p: Peer) => Promise<T>,
): Promise<{ results: T[]; failures: string[] }> {
  const settled = await Promise.allSettled(peers.map(call));
  const results: T[] = [];
  const failures: string[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') results.push(s.value);
    else failures.push((s.reason as Error).message);
  }
  return { results, failures };
}

export async function pullOnEveryReplica(
  ctx: ManagerContext,
  ref: RegistryRef,
  request: { model: string; insecure: boolean },
  relayed: boolean,
  progress: (p: PullProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  const peers = await peersFor(ctx, relayed);
  if (!peers.length) return ctx.pulls.pull(ref, progress, signal);

  // The peers stop when the client goes away, or when this replica's own pull fails (the client is told then).
  const stopPeers = new AbortController();
  const stop = () => stopPeers.abort();
  signal.addEventListener('abort', stop, { once: true });
  const pending = new Set(peers.map((p) => p.label));
  const peerPulls = onPeers(peers, async (p) => {
    try {
      await ctx.peers.client.pull(p, request, stopPeers.signal);
    } finally {
      pending.delete(p.label);
    }
  });
  let waiting: NodeJS.Timeout | undefined;
  try {
    // This replica's progress is the client's, in Ollama's shape; its "success" waits for the peers'.
    await ctx.pulls.pull(ref, (p) => p.status !== 'success' && progress(p), signal);
    const waitingLine = () =>
      pending.size && progress({ status: `waiting for replica ${[...pending].join(', ')}` });
    waitingLine();
    waiting = setInterval(waitingLine, WAITING_LINE_MS);
    const { failures } = await peerPulls;
    if (failures.length) {
      throw new PeerError(
        `pulled on this replica but not on every one: ${failures.join('; ')}. Pull again to finish it (downloads resume; a replica that restarts catches up by itself)`,
      );
    }
  } catch (e) {
    stop();
    await peerPulls; // settled: every relayed request is closed before the client's answer ends
    throw e;
  } finally {
    clearInterval(waiting);
    signal.removeEventListener('abort', stop);
  }
  progress({ status: 'success' });
}

export async function deleteOnEveryReplica(
  ctx: ManagerContext,
  model: string,
  relayed: boolean,
): Promise<void> {
  const peers = await peersFor(ctx, relayed);
  if (!peers.length) return ctx.store.remove(model);
  const here = ctx.store.remove(model).then(
    () => true,
    (e) => {
      if (e instanceof ModelNotFoundError) return false;
      throw e;
    },
  );
  // A peer that never had the model (404) is as good as one that deleted it.
  const there = onPeers(peers, async (p) => {
    const { status, error } = await ctx.peers.client.send(p, 'DELETE', '/api/delete', { model });
    if (status === 404) return false;
    if (error) throw new PeerStatusError(error, status);
    return true;
  });
  const [hadIt, { results, failures }] = await Promise.all([here, there]);
  if (failures.length) {
    throw new PeerError(
      `${model} was not deleted on every replica: ${failures.join('; ')}. Delete it again once they are back`,
    );
  }
  if (!hadIt && !results.includes(true)) throw new ModelNotFoundError(model);
}

export async function copyOnEveryReplica(
  ctx: ManagerContext,
  source: string,
  destination: string,
  relayed: boolean,
): Promise<void> {
  // Here first: a bad request or a missing source is answered as Ollama does, with nothing relayed.
  await ctx.store.copy(source, destination);
  const peers = await peersFor(ctx, relayed);
  const { failures } = await onPeers(peers, async (p) => {
    const { status, error } = await ctx.peers.client.send(p, 'POST', '/api/copy', { source, destination });
    if (error) throw new PeerStatusError(error, status);
  });
  if (failures.length) {
    throw new PeerError(
      `copied ${source} to ${destination} on this replica but not on every one: ${failures.join('; ')}`,
    );
  }
}

/** After a blob upload: every peer gets the blob too, so a create relayed to it finds its GGUF. */
export async function blobOnEveryReplica(
  ctx: ManagerContext,
  digest: string,
  relayed: boolean,
): Promise<void> {
  const peers = await peersFor(ctx, relayed);
  if (!peers.length) return;
  const file = ctx.store.blobs.path(digest);
  const size = await ctx.store.blobs.size(digest);
  const { failures } = await onPeers(peers, (p) => ctx.peers.client.uploadBlob(p, digest, file, size));
  if (failures.length) {
    throw new PeerError(
      `blob ${digest} is stored on this replica but not on every one: ${failures.join('; ')}. Upload it again`,
    );
  }
}

/** /api/create here (its progress is the client's), then on every peer; "success" once all have the model. */
export async function createOnEveryReplica(
  ctx: ManagerContext,
  request: CreateRequest,
  relayed: boolean,
  progress: (status: string) => void,
): Promise<void> {
  const peers = await peersFor(ctx, relayed);
  await createModel(ctx.store, request, (s) => (s !== 'success' || !peers.length) && progress(s));
  if (!peers.length) return;
  const { failures } = await onPeers(peers, async (p) => {
    const { status, error } = await ctx.peers.client.send(p, 'POST', '/api/create', {
      ...request,
      stream: false,
    });
    if (error) throw new PeerStatusError(error, status);
  });
  if (failures.length) {
    throw new PeerError(
      `created ${request.model} on this replica but not on every one: ${failures.join('; ')}`,
    );
  }
  progress('success');
}
