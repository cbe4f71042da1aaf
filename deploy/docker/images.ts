// The one list of what each container image holds. The Dockerfiles' build stage runs `assemble.ts <image>`, which
// reads this list, and the runtime stage copies only what that wrote (/out/app); the tests run the same assembler
// on this checkout. So a Dockerfile and its test cannot disagree about what the image contains.
//
// Every image runs the ownchat CLI compiled (each workspace package's dist/, which `npm ci` builds: scripts/build.mjs):
// the tree is the production closure of @ownchat/cli as npm computes it (`npm ls --omit=dev --all`), i.e. exactly
// what `npm ci --omit=dev` installs for it, less the native binaries this image cannot use, the workspace packages'
// TypeScript source, and a few files nothing loads at run time.

export type ImageSpec = {
  /** The Dockerfile, from the repository root. */
  dockerfile: string;
  /** Where CI pushes it; the manifests in deploy/kustomize pin `<repository>:<version><tagSuffix>`. */
  repository: string;
  tagSuffix: string;
  /** The workspace whose production dependencies the image holds. */
  workspace: string;
  /**
   * The node-llama-cpp prebuilt binaries (`@node-llama-cpp/*` packages) this image keeps; npm installs every
   * linux-x64 one (about 680 MB together) and the others are left out.
   */
  nativeBinaries: string[];
  /**
   * Workspace packages the image holds without their own dependencies: it loads only their dependency-free entry
   * (the chatbot reads the llm-manager's settings and model names through `@ownchat/manager/for-clients`, and
   * never runs the server, whose dependencies are most of the tree). runtimeTree.test.ts checks that entry
   * reaches nothing outside its package.
   */
  withoutDependenciesOf?: string[];
};

export const IMAGES = {
  // CPU: node-llama-cpp's plain linux-x64 build (its CPU backends pick the best instruction set at run time).
  'llm-manager': {
    dockerfile: 'deploy/docker/llm-manager.Dockerfile',
    repository: 'ghcr.io/ownchat/llm-manager',
    tagSuffix: '',
    workspace: '@ownchat/cli',
    nativeBinaries: ['@node-llama-cpp/linux-x64'],
  },
  // NVIDIA GPUs, on a CUDA 12 runtime base. node-llama-cpp's CUDA build links CUDA 13 (which needs a 580+ driver);
  // when that cannot load it loads the CUDA 12 backend from linux-x64-cuda-ext, which runs on 525+ drivers. The
  // CPU build stays for a pod that lands without a GPU (no runtime class, no device): it then runs on the CPU.
  'llm-manager-cuda': {
    dockerfile: 'deploy/docker/llm-manager-cuda.Dockerfile',
    repository: 'ghcr.io/ownchat/llm-manager',
    tagSuffix: '-cuda',
    workspace: '@ownchat/cli',
    nativeBinaries: [
      '@node-llama-cpp/linux-x64',
      '@node-llama-cpp/linux-x64-cuda',
      '@node-llama-cpp/linux-x64-cuda-ext',
    ],
  },
  // The chatbot never runs a model: no native llama.cpp binaries, and none of the llm-manager's dependencies
  // (node-llama-cpp, undici, prom-client, ...): `ownchat serve` is not something this image runs.
  chatbot: {
    dockerfile: 'deploy/docker/chatbot.Dockerfile',
    repository: 'ghcr.io/ownchat/chatbot',
    tagSuffix: '',
    workspace: '@ownchat/cli',
    nativeBinaries: [],
    withoutDependenciesOf: ['@ownchat/manager'],
  },
} as const satisfies Record<string, ImageSpec>;

export type ImageName = keyof typeof IMAGES;

/** Files from the repository root that every image holds (none: the compiled packages need nothing from it). */
export const ROOT_FILES: string[] = [];

/**
 * Paths inside the workspace packages (packages/*) that nothing loads at run time: the images run the compiled
 * dist/ (packages/cli/bin/ownchat.js picks it), so the TypeScript source stays out.
 */
export const WORKSPACE_LEFT_OUT = ['src'];

/** Packages in the production closure that nothing loads at run time, left out of every image. */
export const LEFT_OUT_PACKAGES = [
  // An optional peer of node-llama-cpp (for its type exports); npm keeps it because the workspace has it as a
  // dev dependency. 23 MB.
  'typescript',
];

/** Paths inside packages that nothing loads at run time (relative to the package). */
export const LEFT_OUT_FILES: { pkg: string; path: string }[] = [
  // llama.cpp's source, for building a binary when no prebuilt one fits; the manager never builds (build:
  // 'never'). 34 MB.
  { pkg: 'node-llama-cpp', path: 'llama/gitRelease.bundle' },
  // The llama.cpp build `npm ci` makes where it finds a compiler (scripts/build-engine.ts), and the source it was
  // built from: made for the instruction sets of the machine that installed, which an image's host need not have.
  // Images carry the prebuilt binaries, which pick the instruction set at run time. 300 MB.
  { pkg: 'node-llama-cpp', path: 'llama/localBuilds' },
  { pkg: 'node-llama-cpp', path: 'llama/llama.cpp' },
  // better-sqlite3 (the chatbot's conversations): SQLite's C source and, where npm compiled it, the build's
  // intermediates; only build/Release/better_sqlite3.node is loaded. About 25 MB.
  { pkg: 'better-sqlite3', path: 'deps' },
  { pkg: 'better-sqlite3', path: 'src' },
  { pkg: 'better-sqlite3', path: 'build/Release/obj' },
  { pkg: 'better-sqlite3', path: 'build/Release/obj.target' },
  { pkg: 'better-sqlite3', path: 'build/Release/sqlite3.a' },
  { pkg: 'better-sqlite3', path: 'build/Release/test_extension.node' },
];

/** Files left out wherever they are: tests and their fixtures are not part of an image. */
export const LEFT_OUT_PATTERNS = [/\.test\.ts$/];

/**
 * The numeric user and group every image runs as (no name: nothing needs a passwd entry), and the manifests'
 * runAsUser/runAsGroup/fsGroup. Above the range distributions give system and login users.
 */
export const RUNTIME_UID = 10001;
