// POST /api/pull's work, step for step as Ollama reports it: the manifest, each layer (downloaded, joined, or
// already here), then the manifest is written and the blobs a replaced version no longer needs are removed. What
// can be refused (a bad name, a model OWNCHAT_PULL_ALLOW does not list) is refused before the first progress line.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Agent } from 'undici';
import { formatBytes } from '../config/bytes.ts';
import { ForbiddenError, InsufficientStorageError, RegistryError, ShuttingDownError } from '../errors.ts';
import { displayName } from '../model/name.ts';
import type { Layer } from '../store/manifests.ts';
import type { ModelStore } from '../store/modelStore.ts';
import { isPullAllowed } from './allowList.ts';
import type { DownloadSettings } from './blobDownload.ts';
import { RegistryClient, registryDispatcher } from './client.ts';
import { Downloads } from './downloads.ts';
import { PartialDownload } from './partialDownload.ts';
import { type RegistryRef, registryRef } from './reference.ts';

/** One line of the progress stream; zero numbers are left out, as Ollama's `omitempty` does. */
export type PullProgress = { status: string; digest?: string; total?: number; completed?: number };

export type PullSettings = DownloadSettings & {
  /** OWNCHAT_PULL_ALLOW's patterns; empty allows every model. */
  allow: readonly string[];
  /** OLLAMA_NOPRUNE: keep the blobs a replaced version no longer uses. */
  noPrune?: boolean;
  /** Free bytes on the disk holding `dir` (a seam for tests; statfs by default). */
  freeBytes?: (dir: string) => Promise<number>;
};

/** The registry's manifest is not one of the versions a pinned pull asked for (see `pull`'s `digests`). */
export class OtherVersionError extends RegistryError {
  override name = 'OtherVersionError';
}

export class Pulls {
  private readonly dispatcher: Agent;
  private readonly downloads: Downloads;
  private closed = false;

  constructor(
    private readonly store: ModelStore,
    private readonly settings: PullSettings,
  ) {
    this.dispatcher = registryDispatcher(settings.stallTimeoutMs);
    this.downloads = new Downloads(store.blobs, settings);
  }

  /** Checks a pull request before any progress is sent: 400 for a bad name, 403 for a model not allowed. */
  prepare(model: string, insecure = false): RegistryRef {
    const ref = registryRef(model, insecure);
    if (!isPullAllowed(this.settings.allow, ref.name)) {
      throw new ForbiddenError(
        `pulling "${model}" is not allowed on this server: OWNCHAT_PULL_ALLOW permits only ${this.settings.allow.join(', ')}`,
      );
    }
    return ref;
  }

  /**
   * Pulls `ref`. With `digests` (the manifest digests, hex, that a peer replica holds under this name), a
   * registry manifest with another digest is refused before any blob is fetched: what a peer has under that
   * name was then made there (/api/create, /api/copy) or the registry moved on, and this is not that model.
   */
  async pull(
    ref: RegistryRef,
    progress: (p: PullProgress) => void,
    signal?: AbortSignal,
    digests?: ReadonlySet<string>,
  ): Promise<void> {
    if (this.closed) throw new ShuttingDownError('the server is shutting down: pull again once it is back');
    const client = new RegistryClient(ref, {
      dispatcher: this.dispatcher,
      stallTimeoutMs: this.settings.stallTimeoutMs,
    });
    progress({ status: 'pulling manifest' });
    let pulled: Awaited<ReturnType<RegistryClient['manifest']>>;
    try {
      pulled = await client.manifest(signal);
    } catch (e) {
      if (e instanceof RegistryError) throw new RegistryError(`pull model manifest: ${e.message}`);
      throw e;
    }
    const { manifest } = pulled;
    if (digests) {
      const digest = createHash('sha256').update(pulled.bytes).digest('hex');
      if (!digests.has(digest)) {
        throw new OtherVersionError(
          `${displayName(ref.name)} in ${ref.origin} is version ${digest.slice(0, 12)}, not ${[...digests].map((d) => d.slice(0, 12)).join(' or ')}`,
        );
      }
    }
    const layers: Layer[] = [...manifest.layers, ...(manifest.config?.digest ? [manifest.config] : [])];
    await this.checkDiskSpace(ref, layers);

    for (const layer of layers) {
      const line = (completed: number): PullProgress => ({
        status: `pulling ${layer.digest.slice(7, 19)}`,
        digest: layer.digest,
        total: layer.size || undefined,
        completed: completed || undefined,
      });
      await this.downloads.fetch(client, layer.digest, layer.size, (n) => progress(line(n)), signal);
    }
    // Each blob was verified as it entered the store (a wrong one never does); the line stays for clients.
    progress({ status: 'verifying sha256 digest' });

    progress({ status: 'writing manifest' });
    const previous = await this.store.manifests.read(ref.name);
    await this.store.manifests.write(ref.name, pulled.bytes);
    const kept = new Set(layers.map((l) => l.digest));
    const dropped = previous
      ? [previous.manifest.config, ...previous.manifest.layers]
          .filter((l) => l?.digest && !kept.has(l.digest))
          .map((l) => l.digest)
      : [];
    if (dropped.length > 0 && !this.settings.noPrune) {
      progress({ status: 'removing unused layers' });
      await this.store.removeUnusedBlobs(dropped);
    }
    progress({ status: 'success' });
    this.settings.log?.('info', `pulled ${displayName(ref.name)}`, { from: ref.origin });
  }

  /** Stops the downloads in flight (their progress stays on disk) and the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.downloads.close();
    await this.dispatcher.close().catch(() => {});
  }

  /** Refuses a pull that cannot fit, before a byte is written: a full disk mid-download helps nobody. */
  private async checkDiskSpace(ref: RegistryRef, layers: Layer[]): Promise<void> {
    const blobs = this.store.blobs;
    let needed = 0;
    for (const l of new Map(layers.map((l) => [l.digest, l])).values()) {
      if (await blobs.has(l.digest)) continue;
      needed += l.size - (await PartialDownload.bytesOnDisk(blobs, l.digest, l.size));
    }
    if (needed === 0) return;
    await fs.mkdir(blobs.dir, { recursive: true });
    const free = await (this.settings.freeBytes ?? freeBytes)(blobs.dir);
    if (needed > free) {
      throw new InsufficientStorageError(
        `not enough disk space to pull ${displayName(ref.name)}: it needs ${formatBytes(needed)} more in ${blobs.dir}, which has ${formatBytes(free)} free`,
      );
    }
  }
}

async function freeBytes(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return s.bavail * s.bsize;
}
