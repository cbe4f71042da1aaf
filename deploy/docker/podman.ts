// The real images, for the tests: built with buildah from the repository root as the Dockerfiles say, and run with
// podman (`podman kube play` of the rendered manifests: kubePlayable). No Docker engine is needed, and none runs here.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { IMAGES, type ImageName } from './images.ts';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The tools, each from the Debian package of the same name (scripts/install-system-packages.sh); catatonit is the
 * init process of the pods `podman kube play` makes.
 */
export const IMAGE_TOOLS = ['buildah', 'podman', 'runc', 'catatonit', 'debootstrap'];

/**
 * Podman's settings on the machines the tests run on, as a containers.conf of the tests' own (CONTAINERS_CONF, so
 * that `podman kube play`, which has no flags for them, gets them too): crun (podman's default runtime) refuses
 * their cgroup layout where runc does not; the systemd cgroup manager needs a systemd they may not run; podman's
 * default limits on open files and processes are above what they let a container have.
 */
export const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
`;
let containersConf: string | undefined;

/** Where podman() finds its containers.conf (a file with CONTAINERS_CONF's text). */
export function usePodmanConf(file: string): void {
  containersConf = file;
}

/** Why the image tests cannot run here, or undefined when they can. */
export async function imageToolsProblem(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const tool of IMAGE_TOOLS) {
    try {
      await execFileAsync('sh', ['-c', `command -v ${tool}`]);
    } catch {
      missing.push(tool);
    }
  }
  if (missing.length)
    return `${missing.join(', ')} missing (Debian packages of the same names: bash scripts/install-system-packages.sh)`;
  // Rootless podman needs subordinate uids set up for the user, and debootstrap needs root: not done here.
  if (process.getuid?.() !== 0) return 'they run as root (debootstrap and podman with the system storage)';
  return undefined;
}

/** Runs a command to its end with a time limit; its output goes to `log`, whose last lines a failure quotes. */
export async function runLogged(
  command: string,
  args: string[],
  log: string,
  timeoutMs: number,
): Promise<void> {
  const out = createWriteStream(log, { flags: 'a' });
  await new Promise<void>((resolve) => out.once('open', () => resolve()));
  out.write(`$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', out, out] });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  await new Promise((resolve) => out.end(resolve));
  if (code !== 0) {
    const tail = (await fs.readFile(log, 'utf8')).split('\n').slice(-30).join('\n');
    const why = signal
      ? `killed (${signal}${signal === 'SIGKILL' ? `, over ${timeoutMs} ms` : ''})`
      : `exit ${code}`;
    throw new Error(
      `${command} ${args.slice(0, 3).join(' ')} … failed (${why}); the end of ${log}:\n${tail}`,
    );
  }
}

/** The Node.js version the Dockerfiles' base image names (`FROM node:<version>-bookworm-slim`). */
export async function nodeBaseVersion(image: ImageName): Promise<string> {
  const text = await fs.readFile(path.join(ROOT, IMAGES[image].dockerfile), 'utf8');
  const version = /^FROM node:(\d+\.\d+\.\d+)-bookworm-slim\b/m.exec(text)?.[1];
  if (!version) throw new Error(`${IMAGES[image].dockerfile} names no node:<version>-bookworm-slim base`);
  return version;
}

/**
 * `buildah bud` from the repository root, as CI's release workflow builds with docker. `--layers` keeps each step
 * as a cached layer: the `deps` stage (the same in every Dockerfile) is built once for all the images, and again
 * only when the lockfile or a package.json changes. `--force-rm`: a failed step leaves no working container behind. `--pull=never`: the base is the local stand-in
 * (scripts/node-stand-in-image.sh), as Docker Hub cannot be reached from the test machines.
 */
export async function buildImage(
  image: ImageName,
  tag: string,
  log: string,
  opts: { target?: string; buildArgs?: Record<string, string>; timeoutMs: number },
): Promise<number> {
  const started = performance.now();
  await runLogged(
    'nice',
    [
      '-n',
      '10',
      'buildah',
      'bud',
      '--layers',
      '--force-rm',
      '--isolation',
      'chroot',
      '--network',
      'host',
      '--pull=never',
      ...(opts.target ? ['--target', opts.target] : []),
      ...Object.entries(opts.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      '-f',
      IMAGES[image].dockerfile,
      '-t',
      tag,
      '.',
    ],
    log,
    opts.timeoutMs,
  );
  return (performance.now() - started) / 1000;
}

/** What the image tests keep between runs (scripts/node-stand-in-image.sh keeps its base there too). */
export function imagesCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ownchat', 'images');
}

/** A cached stage, tagged for people to see; the images the cache is made of are listed in a file. */
export const stageCacheTag = (stage: string) => `localhost/ownchat-image-test/${stage}:cache`;

/**
 * Builds one of the llm-manager Dockerfile's early stages (`deps`, the same in every Dockerfile; `engine`, the
 * engine compiled on it) as a cache that outlives a test's clean-up. Buildah finds a cached step by the image that
 * step left (one per step, untagged), not by a tag: all the images the stage's build makes are kept, and their IDs
 * written to the cache folder. When a build makes new ones (the lockfile, the base, the patches or the build-args
 * changed), the ones listed before are returned as stale, for the clean-up to remove: one cache a stage at a time.
 */
export async function buildStageCache(
  stage: 'deps' | 'engine',
  log: string,
  opts: { buildArgs?: Record<string, string>; timeoutMs: number },
): Promise<{ seconds: number; layers: string[]; stale: string[] }> {
  const file = path.join(imagesCacheDir(), `${stage}-layers.json`);
  const before = await imageIds();
  const seconds = await buildImage('llm-manager', stageCacheTag(stage), log, { ...opts, target: stage });
  const made = [...(await imageIds())].filter((id) => !before.has(id));
  const listed = JSON.parse(await fs.readFile(file, 'utf8').catch(() => '[]')) as string[];
  if (!made.length) return { seconds, layers: listed, stale: [] };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(made));
  return { seconds, layers: made, stale: listed.filter((id) => !made.includes(id)) };
}

/** `podman <args>` with the tests' containers.conf (usePodmanConf); its standard output, trimmed. */
export async function podman(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await execFileAsync('podman', args, {
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...(containersConf && { CONTAINERS_CONF: containersConf }) },
  });
  return stdout.trim();
}

/** Every image ID in the container storage, intermediate layers included. */
export async function imageIds(): Promise<Set<string>> {
  return new Set((await podman(['images', '--all', '--quiet', '--no-trunc'])).split('\n').filter(Boolean));
}

/**
 * Removes the untagged images among `ids` one at a time, newest first, so that a layer goes after the layers built
 * on it. A tagged image is kept (it is someone's: a caller untags its own first), and so is a layer another image
 * still builds on (a cached layer kept on purpose): that is no failure.
 */
export async function removeImages(ids: Iterable<string>): Promise<void> {
  const dated: { id: string; created: number }[] = [];
  for (const id of ids) {
    const about = await podman([
      'image',
      'inspect',
      '--format',
      '{{len .RepoTags}} {{.Created.Unix}}',
      id,
    ]).catch(() => '');
    const [tags, created] = about.split(' ').map(Number);
    if (about && tags === 0) dated.push({ id, created: created! });
  }
  dated.sort((a, b) => b.created - a.created);
  for (const { id } of dated) await podman(['rmi', id]).catch(() => undefined);
}

/** A rendered Kubernetes object (deploy/kustomize/render.ts), as far as kubePlayable reads it. */
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML; manifests.test.ts checks its shape.
type K8s = { kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: any };

export type PlayChanges = {
  /** Added to every name: podman's volumes and pods are machine-wide. */
  suffix: string;
  image: string;
  /** The values of the Secret keys the manifests take env from, by key. */
  secrets: Record<string, string>;
  /** Env values that differ from the manifest's (the test says why). */
  env?: Record<string, string>;
  /** Names the pod resolves to addresses (what a cluster's DNS and Services do). */
  hostAliases?: Record<string, string>;
};

/**
 * One workload of the rendered manifests, as the YAML `podman kube play` runs. Podman 4.3 plays Pods, Deployments,
 * PersistentVolumeClaims and ConfigMaps: a Deployment goes as it is, with its claims; a StatefulSet as a Deployment
 * of the same pod template, each claim template a PersistentVolumeClaim. Services, NetworkPolicies and
 * PodDisruptionBudgets have no podman equivalent (hostAliases stand in for the Service's name). What changes, and
 * only this: the names get a suffix, the image is the one built, env from a Secret becomes a plain value (podman 4.3
 * turns a Secret into a podman secret and then cannot read it back: "is not valid JSON"), `env` overrides, and
 * `hostAliases`. Podman itself keeps the rest: the user and group, the read-only root, no capabilities, no privilege
 * escalation, the emptyDir /tmp, the args (not the grace period: podman stop is told it).
 */
export function kubePlayable(objects: K8s[], kind: string, name: string, change: PlayChanges): string {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  const workload = structuredClone(found);
  const pod = workload.spec.template.spec;
  const docs: K8s[] = [];
  const claim = (claimName: string, spec: unknown) => {
    docs.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `${claimName}${change.suffix}` },
      spec,
    });
    return `${claimName}${change.suffix}`;
  };
  for (const v of pod.volumes ?? []) {
    if (!v.persistentVolumeClaim) continue;
    const pvc = objects.find(
      (o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === v.persistentVolumeClaim.claimName,
    );
    v.persistentVolumeClaim.claimName = claim(v.persistentVolumeClaim.claimName, pvc?.spec);
  }
  for (const t of workload.spec.volumeClaimTemplates ?? []) {
    pod.volumes = [
      ...(pod.volumes ?? []),
      { name: t.metadata.name, persistentVolumeClaim: { claimName: claim(t.metadata.name, t.spec) } },
    ];
  }
  for (const c of pod.containers) {
    c.image = change.image;
    for (const e of c.env ?? []) {
      const key = e.valueFrom?.secretKeyRef?.key;
      if (key !== undefined) {
        if (change.secrets[key] === undefined) throw new Error(`no value for ${e.name} (Secret key ${key})`);
        e.value = change.secrets[key];
        delete e.valueFrom;
      }
      if (change.env?.[e.name] !== undefined) e.value = change.env[e.name];
    }
  }
  if (change.hostAliases)
    pod.hostAliases = Object.entries(change.hostAliases).map(([host, ip]) => ({ ip, hostnames: [host] }));
  docs.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${name}${change.suffix}`, labels: workload.metadata.labels },
    spec: { replicas: 1, selector: workload.spec.selector, template: workload.spec.template },
  });
  return docs.map((d) => stringify(d)).join('---\n');
}

/** A workload `podman kube play` started: its YAML file, its one container, that container's address. */
export type Played = { file: string; container: string; ip: string };

/** `podman kube play` of kubePlayable's YAML, written to `file`. */
export async function kubePlay(file: string, yaml: string): Promise<Played> {
  await fs.writeFile(file, yaml);
  const out = await podman(['kube', 'play', file], 120_000);
  const container = /Container:\s+([0-9a-f]{64})/.exec(out)?.[1];
  if (!container) throw new Error(`podman kube play ${file} started no container:\n${out}`);
  const ip = await podman([
    'inspect',
    '--format',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
    container,
  ]);
  return { file, container, ip };
}
