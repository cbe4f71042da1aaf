// POST /api/push's work, step for step as Ollama reports it (server/images.go PushModel, server/upload.go):
// "retrieving manifest", then per layer "pushing <first 12 hex>" with digest/total/completed (a blob the registry
// has already gives one line with completed == total, after a HEAD), "pushing manifest", "success". A blob is sent
// in chunks (OCI chunked upload: POST, PATCH…, PUT ?digest=); a chunk that fails is retried from the offset the
// registry reports holding, or the upload starts over when the registry cannot resume the session.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import {
  CanceledError,
  ForbiddenError,
  ModelNotFoundError,
  RegistryError,
  ShuttingDownError,
} from '../errors.ts';
import { displayName, parseModelName } from '../model/name.ts';
import type { Layer } from '../store/manifests.ts';
import type { ModelStore } from '../store/modelStore.ts';
import { isPullAllowed } from './allowList.ts';
import { networkError, RegistryClient, registryDispatcher } from './client.ts';
import type { PullProgress } from './pull.ts';
import { type RegistryRef, registryRef } from './reference.ts';

const MiB = 1024 * 1024;

export type PushSettings = {
  /**
   * OWNCHAT_PULL_ALLOW's patterns (empty or absent allows every registry): a server that may only reach some
   * registries to pull may not send its models anywhere else either.
   */
  allow?: readonly string[];
  /** No bytes accepted for this long and a chunk is retried. */
  stallTimeoutMs: number;
  /** Bytes per PATCH; undefined: size/16 clamped to 16 MiB..256 MiB. */
  chunkSize?: number;
  /** Tries per chunk without progress before the push fails. */
  maxTries?: number;
  /** First pause between tries; it doubles with each failure. */
  retryDelayMs?: number;
  log?: (level: 'info' | 'warn', msg: string, extra?: object) => void;
};

export class Pushes {
  private readonly dispatcher: Agent;
  private readonly active = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly store: ModelStore,
    private readonly settings: PushSettings,
  ) {
    this.dispatcher = registryDispatcher(settings.stallTimeoutMs);
  }

  /**
   * Checks a push request before any progress is sent: 400 for a bad name or a plain-http one without insecure,
   * 403 for a registry OWNCHAT_PULL_ALLOW leaves out.
   */
  prepare(model: string, insecure = false): RegistryRef {
    const ref = registryRef(model, insecure, 'push');
    const allow = this.settings.allow ?? [];
    if (!isPullAllowed(allow, ref.name)) {
      throw new ForbiddenError(
        `pushing "${model}" is not allowed on this server: OWNCHAT_PULL_ALLOW, which also bounds pushes, permits only ${allow.join(', ')}`,
      );
    }
    return ref;
  }

  async push(ref: RegistryRef, progress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new ShuttingDownError('the server is shutting down: push again once it is back');
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.active.add(ac);
    try {
      await this.run(ref, progress, ac.signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.active.delete(ac);
    }
  }

  private async run(ref: RegistryRef, progress: (p: PullProgress) => void, signal: AbortSignal) {
    progress({ status: 'retrieving manifest' });
    const stored = await this.store.manifests.read(ref.name);
    if (!stored) {
      progress({ status: "couldn't retrieve manifest" });
      throw new ModelNotFoundError(displayName(ref.name));
    }
    // The stored bytes, not a re-serialisation: the pushed model keeps the digest /api/tags shows.
    const bytes = await fs.readFile(this.store.manifests.path(stored.name));
    const { manifest } = stored;
    const layers: Layer[] = [...manifest.layers, ...(manifest.config?.digest ? [manifest.config] : [])];
    const client = new RegistryClient(ref, {
      dispatcher: this.dispatcher,
      stallTimeoutMs: this.settings.stallTimeoutMs,
    });
    for (const layer of layers) await this.uploadBlob(client, layer, progress, signal);
    progress({ status: 'pushing manifest' });
    await client.putManifest(bytes, signal);
    progress({ status: 'success' });
    this.settings.log?.('info', `pushed ${displayName(ref.name)}`, { to: ref.origin });
  }

  private async uploadBlob(
    client: RegistryClient,
    layer: Layer,
    progress: (p: PullProgress) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { digest, size } = layer;
    const line = (completed: number): PullProgress => ({
      status: `pushing ${digest.slice(7, 19)}`,
      digest,
      total: size || undefined,
      completed: completed || undefined,
    });
    if (await client.hasBlob(digest, signal)) {
      progress(line(size));
      return;
    }
    const file = this.store.blobs.path(digest);
    const actual = await fs.stat(file).then(
      (s) => s.size,
      () => undefined,
    );
    if (actual !== size) {
      throw new RegistryError(
        `cannot push blob ${digest}: the store ${actual === undefined ? 'lacks it' : `holds ${actual} bytes of it, the manifest says ${size}`}`,
      );
    }
    // A layer that came from another model on the same registry (Ollama's `from`) is mounted, not sent.
    const mountFrom = mountSource(layer.from, client.ref);
    const started = await client.startUpload(digest, mountFrom, signal);
    if (started.mounted) {
      progress(line(size));
      return;
    }
    let location = started.location;
    const chunk = this.settings.chunkSize ?? Math.min(256 * MiB, Math.max(16 * MiB, Math.ceil(size / 16)));
    const maxTries = this.settings.maxTries ?? 6;
    const delay = this.settings.retryDelayMs ?? 1_000;
    let offset = 0;
    let failures = 0;
    progress(line(0));
    while (offset < size) {
      const end = Math.min(offset + chunk, size) - 1;
      try {
        location = await client.uploadChunk(
          location,
          offset,
          end,
          () => createReadStream(file, { start: offset, end }),
          signal,
        );
        offset = end + 1;
        failures = 0;
        progress(line(offset));
        continue;
      } catch (e) {
        const err = networkError(client.host, e, this.settings.stallTimeoutMs, signal);
        if (err instanceof CanceledError || signal.aborted) throw err;
        if (!(err instanceof RegistryError) || !err.retryable || ++failures >= maxTries) {
          throw new RegistryError(
            `pushing ${digest} to ${client.host} failed${failures > 1 ? ` ${failures} times in a row` : ''}: ${err.message}`,
          );
        }
        this.settings.log?.('warn', `push of ${digest.slice(7, 19)} interrupted, retrying`, {
          offset,
          error: err.message,
        });
        await sleep(delay * 2 ** (failures - 1), undefined, { signal }).catch(() => {});
        if (signal.aborted) throw new CanceledError();
      }
      // Resume where the registry says it stands; a session it no longer accepts means starting over.
      const resumed = await client.uploadOffset(location, signal).catch(() => undefined);
      if (resumed && resumed.offset <= size) {
        location = resumed.location;
        offset = resumed.offset;
      } else {
        const again = await client.startUpload(digest, undefined, signal);
        if (again.mounted) break;
        location = again.location;
        offset = 0;
      }
      progress(line(offset));
    }
    await client.finishUpload(location, digest, signal);
    progress(line(size));
  }

  /** Stops the pushes in flight and the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.active) ac.abort(new ShuttingDownError());
    await this.dispatcher.close().catch(() => {});
  }
}

/** "namespace/model" of a layer's source model when it lives on the registry being pushed to. */
function mountSource(from: string | undefined, ref: RegistryRef): string | undefined {
  if (!from) return undefined;
  try {
    const n = parseModelName(from);
    if (n.host.toLowerCase() !== ref.name.host.toLowerCase()) return undefined;
    const repo = `${n.namespace}/${n.model}`;
    return repo === ref.repository ? undefined : repo;
  } catch {
    return undefined;
  }
}
