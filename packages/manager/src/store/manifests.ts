// Manifests, stored as Ollama stores them: manifests/<host>/<namespace>/<model>/<tag>, the JSON as the registry
// sent it (its sha256 is the model's digest in /api/tags). Writes go through a temporary file and a rename, so a
// crash never leaves half a manifest.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fullName, type ModelName } from '../model/name.ts';

export type Layer = { mediaType: string; digest: string; size: number; from?: string };
export type Manifest = { schemaVersion: number; mediaType: string; config: Layer; layers: Layer[] };

export type StoredManifest = {
  name: ModelName;
  manifest: Manifest;
  /** sha256 of the manifest's bytes, hex without prefix: the digest Ollama shows for a model. */
  digest: string;
  modifiedAt: Date;
};

export class ManifestStore {
  constructor(readonly dir: string) {}

  path(n: ModelName): string {
    return path.join(this.dir, n.host, n.namespace, n.model, n.tag);
  }

  /** Reads a manifest; names are matched case-insensitively, as Ollama does. Undefined when there is none. */
  async read(n: ModelName): Promise<StoredManifest | undefined> {
    const file = (await exists(this.path(n))) ? this.path(n) : await this.findIgnoringCase(n);
    if (!file) return undefined;
    return this.readFile(file);
  }

  /** Writes a manifest; bytes from a registry are kept as they are, so the model's digest is the registry's. */
  async write(n: ModelName, manifest: Manifest | Uint8Array): Promise<void> {
    const file = (await this.findIgnoringCase(n)) ?? this.path(n);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    await fs.writeFile(tmp, manifest instanceof Uint8Array ? manifest : JSON.stringify(manifest));
    await fs.rename(tmp, file);
  }

  /** Removes a manifest and the folders it leaves empty; false when there was none. */
  async remove(n: ModelName): Promise<boolean> {
    const file = (await exists(this.path(n))) ? this.path(n) : await this.findIgnoringCase(n);
    if (!file) return false;
    await fs.rm(file, { force: true });
    let dir = path.dirname(file);
    while (dir.startsWith(this.dir) && dir !== this.dir) {
      try {
        await fs.rmdir(dir);
      } catch {
        break; // not empty
      }
      dir = path.dirname(dir);
    }
    return true;
  }

  /** Every manifest in the store; unreadable ones are skipped (a store is shared with other programs). */
  async list(): Promise<StoredManifest[]> {
    const out: StoredManifest[] = [];
    for (const host of await subdirs(this.dir)) {
      for (const namespace of await subdirs(path.join(this.dir, host))) {
        for (const model of await subdirs(path.join(this.dir, host, namespace))) {
          const dir = path.join(this.dir, host, namespace, model);
          for (const tag of await files(dir)) {
            if (tag.includes('.tmp-')) continue;
            const m = await this.readFile(path.join(dir, tag), { host, namespace, model, tag }).catch(
              () => undefined,
            );
            if (m) out.push(m);
          }
        }
      }
    }
    return out;
  }

  private async readFile(file: string, name?: ModelName): Promise<StoredManifest> {
    const [bytes, stat] = await Promise.all([fs.readFile(file), fs.stat(file)]);
    const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    if (!manifest || !Array.isArray(manifest.layers)) throw new Error(`${file} is not a manifest`);
    const rel = path.relative(this.dir, file).split(path.sep);
    const n = name ?? { host: rel[0]!, namespace: rel[1]!, model: rel[2]!, tag: rel[3]! };
    return {
      name: n,
      manifest,
      digest: createHash('sha256').update(bytes).digest('hex'),
      modifiedAt: stat.mtime,
    };
  }

  private async findIgnoringCase(n: ModelName): Promise<string | undefined> {
    let dir = this.dir;
    for (const part of [n.host, n.namespace, n.model, n.tag]) {
      const entries = await fs.readdir(dir).catch(() => [] as string[]);
      const hit = entries.find((e) => e.toLowerCase() === part.toLowerCase());
      if (!hit) return undefined;
      dir = path.join(dir, hit);
    }
    return dir;
  }
}

export function manifestKey(n: ModelName): string {
  return fullName(n).toLowerCase();
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function files(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}
