// The Dockerfiles, checked without a Docker engine: npm's dockerfile-utils linter, the rules every image follows
// (multi-stage, base images pinned by version, a numeric non-root user, /app assembled from images.ts), a build
// context that keeps what the build needs, and a release workflow that builds exactly the images in images.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Ignore } from '@balena/dockerignore';
import { type Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { IMAGES, type ImageName, RELEASE_CPU_VARIANTS, RUNTIME_UID } from './images.ts';
import { runtimeTree } from './runtimeTree.ts';

// A CommonJS module whose typings declare an ES default export: load it the CommonJS way.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore;
const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const names = Object.keys(IMAGES) as ImageName[];

type Stage = { image: string; tag: string | null; name: string | null; instructions: Instruction[] };

function stages(file: string): Stage[] {
  const out: Stage[] = [];
  for (const i of DockerfileParser.parse(read(file)).getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const [ref = '', , name = null] = i.getArguments().map((a) => a.getValue());
      const [image = '', tag = null] = ref.split(':');
      out.push({ image, tag, name, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(i);
    }
  }
  return out;
}

const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());

describe.each(names)('%s Dockerfile', (image) => {
  const spec = IMAGES[image];
  const all = stages(spec.dockerfile);
  const runtime = all.at(-1)!;
  // The stages before the runtime one: the dependencies (deps), then the build on them.
  const building = all.slice(0, -1);

  it("passes npm's dockerfile-utils linter with no finding", () => {
    expect(validate(read(spec.dockerfile))).toEqual([]);
  });

  it('is multi-stage, every base image pinned by version (never latest)', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    const stageNames = new Set(all.map((s) => s.name));
    // `scratch` is no image at all: the chatbot's runtime stage starts empty and holds what its rootfs stage lists.
    for (const s of all.filter((s) => !stageNames.has(s.image) && s.image !== 'scratch')) {
      expect(s.tag, s.image).toMatch(/^\d+\.\d+\.\d+-/);
    }
    // A Node.js LTS line in support (Node.js 20 went out of support in April 2026), the same in every stage.
    const nodeTags = new Set(all.filter((s) => s.image === 'node').map((s) => s.tag));
    expect(nodeTags.size).toBe(1);
    expect(['24', '26']).toContain([...nodeTags][0]?.split('.')[0]);
    expect([...nodeTags][0]).toMatch(/-bookworm-slim$/);
  });

  it('installs from the lockfile and assembles /app from images.ts (the production closure)', () => {
    const runsOf = (s: Stage) =>
      s.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => args(i).join(' '));
    const runs = building.flatMap(runsOf);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    // A second install without the development dependencies would fail: the root postinstall runs through tsx,
    // one of them. assemble.ts takes the production closure from the one install (runtimeTree.test.ts).
    expect(runs.some((r) => /--omit=dev/.test(r))).toBe(false);
    const assembling = building.find((s) =>
      runsOf(s).some((r) => r.includes(`deploy/docker/assemble.ts ${image} /out`)),
    );
    expect(assembling?.name).toBeTruthy();
    const copies = runtime.instructions.filter((i) => i.getKeyword() === 'COPY') as Copy[];
    const app = copies.filter((c) => args(c).at(-1) === '/app');
    expect(app.map((c) => [c.getFromFlag()?.getValue(), ...args(c)])).toEqual([
      [assembling?.name, '/out/app', '/app'],
    ]);
  });

  it(`runs as the numeric non-root user ${RUNTIME_UID}, the ownchat command as entry point`, () => {
    const users = all.flatMap((s) => s.instructions).filter((i) => i.getKeyword() === 'USER');
    expect(users.map((u) => args(u).join(' '))).toEqual([`${RUNTIME_UID}:${RUNTIME_UID}`]);
    expect(runtime.instructions.indexOf(users[0]!)).toBeGreaterThan(-1);
    const entry = runtime.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT');
    expect(entry && JSON.parse(entry.getArgumentsContent() ?? '')).toEqual([
      'node',
      '/app/packages/cli/bin/ownchat.js',
    ]);
  });
});

it('has one deps stage, the same in every Dockerfile: one cached build of it serves every image', () => {
  const deps = names.map((image) => {
    const stage = stages(IMAGES[image].dockerfile).find((s) => s.name === 'deps');
    return (
      stage && [
        `${stage.image}:${stage.tag}`,
        ...stage.instructions.map((i) => `${i.getKeyword()} ${args(i).join(' ')}`),
      ]
    );
  });
  expect(deps[0]).toBeTruthy();
  for (const d of deps) expect(d).toEqual(deps[0]);
});

it('builds the CUDA image on an NVIDIA CUDA 12 runtime base (with cuBLAS), not on CUDA 13', () => {
  const base = stages(IMAGES['llm-manager-cuda'].dockerfile).at(-1)!;
  expect(base.image).toBe('nvidia/cuda');
  // "runtime" carries cuBLAS; "base" does not. CUDA 12 so that 525+ drivers run it.
  expect(base.tag).toMatch(/^12\.\d+\.\d+-runtime-ubuntu\d+\.\d+$/);
});

/** The ARGs declared before the first FROM, with their defaults (a build-arg overrides them). */
function globalArgs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of DockerfileParser.parse(read(file)).getInstructions()) {
    if (i.getKeyword() === 'FROM') break;
    if (i.getKeyword() !== 'ARG') continue;
    const [name = '', ...value] = (i.getArgumentsContent() ?? '').split('=');
    out[name] = value.join('=').replace(/^"(.*)"$/, '$1');
  }
  return out;
}

const engineImages = names.filter((n) => IMAGES[n].localEngine);

describe.each(engineImages)('%s: the engine built from the patched source', (image) => {
  const file = IMAGES[image].dockerfile;
  const all = stages(file);
  const engine = all.find((s) => s.name === 'engine');
  const runtime = all.at(-1)!;
  const envOf = (s: Stage) =>
    s.instructions.filter((i) => i.getKeyword() === 'ENV').map((i) => i.getArgumentsContent() ?? '');

  it('in a stage of its own that copies only what determines it (a cached layer while the sources change)', () => {
    expect(engine).toBeTruthy();
    const copied = engine!.instructions
      .filter((i) => i.getKeyword() === 'COPY' && !(i as Copy).getFromFlag())
      .map((i) => args(i)[0]);
    expect(copied.sort()).toEqual([
      'packages/manager/src/engine/amx.ts',
      'packages/manager/src/engine/engineBuild.ts',
      'patches',
      'scripts/build-engine.ts',
    ]);
    const runs = engine!.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => args(i).join(' '));
    // build-engine.ts never fails an install; the image build checks that it built.
    expect(runs.some((r) => r.includes('scripts/build-engine.ts') && r.includes('ownchat-engine.json'))).toBe(
      true,
    );
  });

  it('with every CPU variant in the published image, and the runtime told which build that is', () => {
    expect(globalArgs(file).OWNCHAT_ENGINE_CPU_VARIANTS).toBe('all');
    for (const s of [engine!, runtime]) {
      expect(envOf(s).join(' ')).toContain(`OWNCHAT_ENGINE_CPU_VARIANTS=\${OWNCHAT_ENGINE_CPU_VARIANTS}`);
    }
    // The assembled /app comes from a stage that has the engine (or copies node-llama-cpp from it).
    const build = all.find((s) => s.name === 'build')!;
    const fromEngine =
      build.image === 'engine' ||
      build.instructions.some(
        (i) => i.getKeyword() === 'COPY' && (i as Copy).getFromFlag()?.getValue() === 'engine',
      );
    expect(fromEngine).toBe(true);
  });
});

it('builds the CUDA engine with CUDA 12 for the compute capabilities Ollama lists, on the runtime base’s Ubuntu', () => {
  const file = IMAGES['llm-manager-cuda'].dockerfile;
  const all = stages(file);
  const engine = all.find((s) => s.name === 'engine')!;
  const runtime = all.at(-1)!;
  expect(engine.image).toBe('nvidia/cuda');
  // The development image (nvcc) of the same CUDA release and Ubuntu as the runtime base.
  expect(engine.tag).toBe(runtime.tag?.replace('-runtime-', '-devel-'));
  // Ollama's CUDA 12 Linux runner (llama/server/CMakePresets.json, preset llama_cuda_v12_linux).
  expect(globalArgs(file).OWNCHAT_ENGINE_CUDA_ARCHITECTURES).toBe(
    '50-virtual;52-virtual;60;61;70;75;80;86;89;90;90a;100;120',
  );
  const env = engine.instructions.filter((i) => i.getKeyword() === 'ENV').map((i) => i.getArgumentsContent());
  expect(env.join(' ')).toContain('OWNCHAT_ENGINE_GPU=cuda');
});

describe('build context (.dockerignore)', () => {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  const context = new Set(dockerignore().add(read('.dockerignore')).filter(tracked));

  it('keeps everything the build stage reads: manifests, lockfile, the assembler and the sources it copies', async () => {
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];
    needed.push(...tracked.filter((f) => /^packages\/[^/]+\/package\.json$/.test(f)));
    needed.push(...tracked.filter((f) => /^deploy\/docker\/[^/]+\.ts$/.test(f) && !f.endsWith('.test.ts')));
    for (const name of names) {
      for (const pkg of (await runtimeTree(name, ROOT)).packages.filter((p) => p.startsWith('packages/'))) {
        needed.push(...tracked.filter((f) => f.startsWith(`${pkg}/`) && !f.endsWith('.test.ts')));
      }
    }
    expect(needed.filter((f) => !context.has(f))).toEqual([]);
  });

  it('leaves out tests, local state and the manifests', () => {
    expect([...context].filter((f) => /\.test\.ts$|\.gguf$|^\.git\/|node_modules\//.test(f))).toEqual([]);
    expect([...context].filter((f) => f.startsWith('deploy/kustomize/'))).toEqual([]);
  });
});

describe('release workflow', () => {
  const workflow = parseYaml(read('.github/workflows/images.yml'));

  it('runs on version tags only', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*.*.*'] } });
  });

  it('builds exactly the images in images.ts, each for its architectures on a runner of that architecture', () => {
    const matrix = workflow.jobs.image.strategy.matrix.include;
    expect(matrix).toEqual(
      names.flatMap((name) =>
        IMAGES[name].architectures.map((arch) => ({
          image: name,
          dockerfile: IMAGES[name].dockerfile,
          repository: IMAGES[name].repository,
          'tag-suffix': IMAGES[name].tagSuffix,
          platform: `linux/${arch}`,
          runner: arch === 'arm64' ? 'ubuntu-24.04-arm' : 'ubuntu-24.04',
          'cpu-variants': IMAGES[name].localEngine ? RELEASE_CPU_VARIANTS[arch] : '',
        })),
      ),
    );
    const build = workflow.jobs.image.steps.find((s: { uses?: string }) =>
      s.uses?.startsWith('docker/build-push-action@'),
    );
    const expression = (name: string) => `\${{ ${name} }}`;
    expect(build.with.platforms).toBe(expression('matrix.platform'));
    expect(build.with['build-args'].trim()).toBe(
      `OWNCHAT_ENGINE_CPU_VARIANTS=${expression('matrix.cpu-variants')}`,
    );
    expect(build.with.tags).toBe(
      `${expression('matrix.repository')}:${expression('env.VERSION')}${expression('matrix.tag-suffix')}-${expression('env.ARCH')}`,
    );
  });

  it('pushes each image under the version the manifests pin, with all its architectures', () => {
    expect(workflow.jobs.manifest.needs).toBe('image');
    expect(workflow.jobs.manifest.strategy.matrix.include).toEqual(
      names.map((name) => ({
        image: name,
        repository: IMAGES[name].repository,
        'tag-suffix': IMAGES[name].tagSuffix,
        architectures: IMAGES[name].architectures.join(' '),
      })),
    );
    const join = workflow.jobs.manifest.steps.at(-1).run as string;
    expect(join).toContain('docker buildx imagetools create --tag "$' + '{tag}"');
  });
});
