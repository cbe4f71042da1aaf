// Assembles an image's runtime tree (what its Dockerfile copies into /app) from an installed checkout, following
// the one list in images.ts. Run in the Dockerfiles' build stage and by the tests, so both see the same tree.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  IMAGES,
  type ImageName,
  LEFT_OUT_FILES,
  LEFT_OUT_PACKAGES,
  LEFT_OUT_PATTERNS,
  LOCAL_ENGINE_DIRS,
  LOCAL_ENGINE_FILES,
  ROOT_FILES,
  WORKSPACE_LEFT_OUT,
} from './images.ts';

const execFileAsync = promisify(execFile);

export type RuntimeTree = {
  /** Package directories to copy, relative to the checkout (workspace packages under packages/ included). */
  packages: string[];
  /** Symbolic links npm made for the workspaces (node_modules/@ownchat/x -> ../../packages/x). */
  links: { path: string; target: string }[];
  /** Root files copied as they are. */
  files: string[];
};

/** The package directories of a workspace's production closure, as npm resolves them in this install. */
export async function productionClosure(root: string, workspace: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(
      'npm',
      ['ls', '--omit=dev', '--all', '--parseable', `--workspace=${workspace}`],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    ));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `npm ls found a problem with the installed dependencies (run \`npm ci\` first): ${err.stderr || err.message}`,
    );
  }
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((p) => path.relative(root, p))
    .filter((p) => p !== '');
}

type Manifest = {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/**
 * The package directories reached from `workspace` through its packages' declared dependencies, found where Node
 * finds them (the nearest node_modules up the tree), without entering the dependencies of the `pruned` packages
 * (which are reached themselves). Both a workspace link's path and the folder it points to are included, as npm
 * lists the one and the tree copies the other. An optional or peer dependency that is not installed is skipped.
 */
export async function reachedPackages(
  root: string,
  workspace: string,
  pruned: string[],
): Promise<Set<string>> {
  const reached = new Set<string>();
  const visit = async (at: string, name: string): Promise<void> => {
    const real = path.relative(root, await fs.realpath(path.join(root, at)));
    if (reached.has(real)) return;
    reached.add(at);
    reached.add(real);
    if (pruned.includes(name)) return;
    const manifest = JSON.parse(await fs.readFile(path.join(root, real, 'package.json'), 'utf8')) as Manifest;
    const names = new Set(
      [manifest.dependencies, manifest.optionalDependencies, manifest.peerDependencies].flatMap((d) =>
        Object.keys(d ?? {}),
      ),
    );
    for (const dep of names) {
      const found = await nearestInstall(root, real, dep);
      if (found) await visit(found, dep);
    }
  };
  await visit(path.join('node_modules', workspace), workspace);
  return reached;
}

/** Where Node's resolution finds `name` from package folder `from` (relative to root), or undefined. */
async function nearestInstall(root: string, from: string, name: string): Promise<string | undefined> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir === '.' ? '' : dir, 'node_modules', name);
    const exists = await fs.stat(path.join(root, candidate, 'package.json')).then(
      () => true,
      () => false,
    );
    if (exists) return candidate;
    if (dir === '.' || dir === '') return undefined;
  }
}

/** "node_modules/a/node_modules/@s/b" -> "@s/b". */
export function packageName(dir: string): string {
  const parts = dir.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  const rest = parts.slice(at + 1);
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? dir);
}

/** What the image's /app holds, by package directory. */
export async function runtimeTree(image: ImageName, root: string): Promise<RuntimeTree> {
  const spec = IMAGES[image];
  const keepBinaries = new Set<string>(spec.nativeBinaries);
  const packages = new Set<string>();
  const links: RuntimeTree['links'] = [];
  const pruned: string[] = 'withoutDependenciesOf' in spec ? [...spec.withoutDependenciesOf] : [];
  const reached = pruned.length ? await reachedPackages(root, spec.workspace, pruned) : undefined;
  for (const dir of await productionClosure(root, spec.workspace)) {
    if (reached && !reached.has(dir)) continue;
    const name = packageName(dir);
    if (name.startsWith('@node-llama-cpp/') && !keepBinaries.has(name)) continue;
    if (LEFT_OUT_PACKAGES.includes(name)) continue;
    const stat = await fs.lstat(path.join(root, dir));
    if (stat.isSymbolicLink()) {
      const target = await fs.readlink(path.join(root, dir));
      links.push({ path: dir, target });
      packages.add(path.relative(root, path.resolve(root, path.dirname(dir), target)));
    } else {
      packages.add(dir);
    }
  }
  if (spec.localEngine && !existsSync(path.join(root, 'node_modules/node-llama-cpp/llama/lastBuild.json'))) {
    throw new Error(
      `${image}: no engine built here (node-llama-cpp's llama/lastBuild.json is missing: npm run build:engine)`,
    );
  }
  for (const name of spec.nativeBinaries) {
    if (![...packages].some((p) => packageName(p) === name)) {
      throw new Error(
        `${image}: ${name} is not installed here (npm installs it only on linux x64 with glibc)`,
      );
    }
  }
  return { packages: [...packages].sort(), links, files: [...ROOT_FILES] };
}

/** Whether a path inside node-llama-cpp's local builds or llama.cpp clone is left out (LOCAL_ENGINE_FILES). */
function engineFileLeftOut(image: ImageName, relative: string): boolean | undefined {
  const dir = LOCAL_ENGINE_DIRS.find((d) => relative === d || relative.startsWith(`${d}/`));
  if (!dir) return undefined;
  if (!IMAGES[image].localEngine) return true;
  // The folders on the way to a kept file are kept: a build's own folder, the clone's .git.
  if (relative === dir || /^llama\/localBuilds\/[^/]+$/.test(relative) || relative === `${dir}/.git`)
    return false;
  return !LOCAL_ENGINE_FILES.some((re) => re.test(relative));
}

function leftOut(image: ImageName, pkgDir: string, relative: string): boolean {
  const name = packageName(pkgDir);
  if (relative === 'node_modules' || relative.startsWith(`node_modules${path.sep}`)) return true;
  if (name === 'node-llama-cpp') {
    const engine = engineFileLeftOut(image, relative.split(path.sep).join('/'));
    if (engine !== undefined) return engine;
  }
  if (LEFT_OUT_FILES.some((f) => f.pkg === name && f.path === relative)) return true;
  const workspace = pkgDir.startsWith(`packages${path.sep}`);
  if (workspace && WORKSPACE_LEFT_OUT.some((p) => relative === p || relative.startsWith(`${p}${path.sep}`))) {
    return true;
  }
  return LEFT_OUT_PATTERNS.some((re) => re.test(relative));
}

/**
 * Copies the image's runtime tree from `root` (an installed checkout) to `<dest>/app` and returns the files it
 * wrote, relative to that folder. Nested node_modules are copied as their own packages, only when in the tree.
 */
export async function assemble(image: ImageName, root: string, dest: string): Promise<string[]> {
  const tree = await runtimeTree(image, root);
  const app = path.join(dest, 'app');
  await fs.rm(app, { recursive: true, force: true });
  await fs.mkdir(app, { recursive: true });
  for (const pkg of tree.packages) {
    const from = path.join(root, pkg);
    await fs.cp(from, path.join(app, pkg), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => src === from || !leftOut(image, pkg, path.relative(from, src)),
    });
  }
  for (const link of tree.links) {
    await fs.mkdir(path.dirname(path.join(app, link.path)), { recursive: true });
    await fs.symlink(link.target, path.join(app, link.path));
  }
  for (const file of tree.files) await fs.copyFile(path.join(root, file), path.join(app, file));
  return listFiles(app);
}

/** Every file and link under `dir`, relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}
