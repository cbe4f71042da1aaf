// The real images, for the tests: built with buildah from the repository root as the Dockerfiles say, and run with
// podman with the settings the rendered Kubernetes manifests give their containers (podmanRunArgs). No Docker
// engine is needed, and none runs here.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { IMAGES, type ImageName } from './images.ts';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The tools, each from the Debian package of the same name (scripts/install-system-packages.sh). */
export const IMAGE_TOOLS = ['buildah', 'podman', 'runc', 'debootstrap'];

/**
 * Podman's global flags on the machines the tests run on: crun (podman's default runtime) refuses their cgroup
 * layout where runc does not, and the systemd cgroup manager needs a systemd the test machines may not run.
 */
const PODMAN = ['--runtime', 'runc', '--cgroup-manager=cgroupfs'];

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
 * only when the lockfile or a package.json changes. `--pull=never`: the base is the local stand-in
 * (scripts/node-stand-in-image.sh), as Docker Hub cannot be reached from the test machines.
 */
export async function buildImage(
  image: ImageName,
  tag: string,
  log: string,
  opts: { target?: string; timeoutMs: number },
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
      '--isolation',
      'chroot',
      '--network',
      'host',
      '--pull=never',
      ...(opts.target ? ['--target', opts.target] : []),
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

/** `podman <args>`, with the global flags this machine needs; its standard output, trimmed. */
export async function podman(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await execFileAsync('podman', [...PODMAN, ...args], {
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

/** Every image ID in the container storage, intermediate layers included. */
export async function imageIds(): Promise<Set<string>> {
  return new Set((await podman(['images', '--all', '--quiet', '--no-trunc'])).split('\n').filter(Boolean));
}

/**
 * Removes images one at a time, newest first, so that a layer goes after the layers built on it; an image another
 * image still builds on (a cached layer kept on purpose) or a container still uses stays, and that is no failure.
 */
export async function removeImages(ids: Iterable<string>): Promise<void> {
  const dated: { id: string; created: number }[] = [];
  for (const id of ids) {
    const created = await podman(['image', 'inspect', '--format', '{{.Created.Unix}}', id]).catch(() => '');
    if (created) dated.push({ id, created: Number(created) });
  }
  dated.sort((a, b) => b.created - a.created);
  for (const { id } of dated) await podman(['rmi', id]).catch(() => undefined);
}

/** A container of a rendered pod template, and the pod-level settings it runs under. */
type PodSpec = {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML; manifests.test.ts checks its shape.
  containers: any[];
  volumes?: { name: string; emptyDir?: unknown; persistentVolumeClaim?: unknown }[];
};

export type RunAs = {
  /** The container's name in podman. */
  name: string;
  image: string;
  /** Podman volumes for the pod's persistent volumes (a PVC or a StatefulSet's claim template), by volume name. */
  volumes: Record<string, string>;
  /** The values of the Secret keys the manifests take env from. */
  secrets: Record<string, string>;
  /** Env values that differ from the manifest's, and why (the test says). */
  env?: Record<string, string>;
  /** Host ports on loopback for the container's ports, by port name. */
  ports: Record<string, number>;
  addHosts?: Record<string, string>;
};

/**
 * `podman run` arguments that run a manifest's container as Kubernetes would: its user and group, a read-only root,
 * no capabilities and no privilege escalation, its env (Secret values from `secrets`), an emptyDir as a tmpfs, a
 * persistent volume as a podman volume, its args and its grace period on stop. What podman has no equivalent for:
 * probes (the test polls the same paths) and the preStop sleep (which only waits for endpoints to update).
 */
export function podmanRunArgs(pod: PodSpec, run: RunAs): string[] {
  const [c, ...others] = pod.containers;
  if (!c || others.length) throw new Error('one container per pod is all this runs');
  const sc = pod.securityContext ?? {};
  const out = ['run', '--detach', '--name', run.name];
  if (sc.runAsUser !== undefined) out.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (c.securityContext?.readOnlyRootFilesystem) out.push('--read-only');
  if (c.securityContext?.capabilities?.drop?.includes('ALL')) out.push('--cap-drop=all');
  if (c.securityContext?.allowPrivilegeEscalation === false) out.push('--security-opt=no-new-privileges');
  if (pod.terminationGracePeriodSeconds !== undefined)
    out.push('--stop-timeout', String(pod.terminationGracePeriodSeconds));
  // Podman's default limits are above what the test machines let a container have.
  out.push('--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096');
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef?.key;
    const value = run.env?.[e.name] ?? (ref === undefined ? e.value : run.secrets[ref]);
    if (value === undefined) throw new Error(`no value for ${e.name} (Secret key ${ref})`);
    out.push('--env', `${e.name}=${value}`);
  }
  for (const m of c.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === m.name);
    if (volume?.emptyDir) out.push('--tmpfs', m.mountPath);
    else if (run.volumes[m.name]) out.push('--volume', `${run.volumes[m.name]}:${m.mountPath}`);
    else throw new Error(`no podman volume for ${m.name} (mounted at ${m.mountPath})`);
  }
  for (const p of c.ports ?? []) {
    const host = run.ports[p.name];
    if (host) out.push('--publish', `127.0.0.1:${host}:${p.containerPort}`);
  }
  for (const [name, ip] of Object.entries(run.addHosts ?? {})) out.push('--add-host', `${name}:${ip}`);
  out.push(run.image, ...(c.command ?? []), ...(c.args ?? []));
  return out;
}
