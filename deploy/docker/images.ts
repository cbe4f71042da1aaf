// The one list of what each container image holds. The Dockerfiles' build stage runs `assemble.ts <image>`, which
// reads this list, and the runtime stage copies only what that wrote (/out/app); the tests run the same assembler
// on this checkout. So a Dockerfile and its test cannot disagree about what the image contains.
//
// Every image runs the ownchat CLI compiled (each workspace package's dist/, which `npm ci` builds: scripts/build.mjs):
// the tree is the production closure of @ownchat/cli as npm computes it (`npm ls --omit=dev --all`), i.e. exactly
// what `npm ci --omit=dev` installs for it, less the native binaries this image cannot use, the workspace packages'
// TypeScript source, and a few files nothing loads at run time.

import { X86_CPU_VARIANTS } from '../../packages/manager/src/engine/engineBuild.ts';

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
   * Whether the image runs the engine its Dockerfile builds (scripts/build-engine.ts, in node-llama-cpp's
   * llama/localBuilds): then the builds' binaries are kept (LOCAL_ENGINE_FILES), and no prebuilt binary is needed.
   */
  localEngine: boolean;
  /** The architectures CI's release workflow builds it for (.github/workflows/images.yml). */
  architectures: Architecture[];
  /**
   * Workspace packages the image holds without their own dependencies: it loads only their dependency-free entry
   * (the chatbot reads the llm-manager's settings and model names through `@ownchat/manager/for-clients`, and
   * never runs the server, whose dependencies are most of the tree). runtimeTree.test.ts checks that entry
   * reaches nothing outside its package.
   */
  withoutDependenciesOf?: string[];
};

export type Architecture = 'amd64' | 'arm64';

/**
 * The engine's CPU variants the release builds for each architecture (OWNCHAT_ENGINE_CPU_VARIANTS). x86-64: all
 * of ggml's, baseline x86-64 to Sapphire Rapids' AVX-512 with AMX (which GCC 12 compiled into a crash until
 * patches/llama.cpp/amx-tile-config.patch). arm64: ggml's ARMv8 variants, baseline ARMv8.0 (Raspberry Pi 4) to
 * ARMv8.6 with SVE2 (Graviton 4), not its two ARMv9.2 ones with SME: Debian bookworm's GCC 12, the build image's
 * compiler, predates GCC 14's SME support.
 */
export const RELEASE_CPU_VARIANTS: Record<Architecture, string> = {
  amd64: Object.keys(X86_CPU_VARIANTS).join(','),
  arm64: 'armv8.0_1,armv8.2_1,armv8.2_2,armv8.2_3,armv8.6_1,armv8.6_2',
};

export const IMAGES = {
  // CPU: the engine the Dockerfile builds from the patched source, with ggml's CPU variants (the best instruction
  // set picked at run time), instead of node-llama-cpp's prebuilt linux-x64 binaries.
  'llm-manager': {
    dockerfile: 'deploy/docker/llm-manager.Dockerfile',
    repository: 'ghcr.io/ownchat/llm-manager',
    tagSuffix: '',
    workspace: '@ownchat/cli',
    nativeBinaries: [],
    localEngine: true,
    architectures: ['amd64', 'arm64'],
  },
  // NVIDIA GPUs, on a CUDA 12 runtime base: the same engine built with CUDA 12 for the compute capabilities Ollama
  // builds for, and the CPU build beside it for a pod that lands without a GPU (no runtime class, no device).
  // x86-64 only: NVIDIA's arm64 machines (Grace, Jetson) would need their own CUDA base and architectures.
  'llm-manager-cuda': {
    dockerfile: 'deploy/docker/llm-manager-cuda.Dockerfile',
    repository: 'ghcr.io/ownchat/llm-manager',
    tagSuffix: '-cuda',
    workspace: '@ownchat/cli',
    nativeBinaries: [],
    localEngine: true,
    architectures: ['amd64'],
  },
  // The chatbot never runs a model: no native llama.cpp binaries, and none of the llm-manager's dependencies
  // (node-llama-cpp, undici, prom-client, ...): `ownchat serve` is not something this image runs.
  chatbot: {
    dockerfile: 'deploy/docker/chatbot.Dockerfile',
    repository: 'ghcr.io/ownchat/chatbot',
    tagSuffix: '',
    workspace: '@ownchat/cli',
    nativeBinaries: [],
    localEngine: false,
    architectures: ['amd64', 'arm64'],
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
  // better-sqlite3 (the chatbot's conversations): SQLite's C source and, where npm compiled it, the build's
  // intermediates; only build/Release/better_sqlite3.node is loaded. About 25 MB.
  { pkg: 'better-sqlite3', path: 'deps' },
  { pkg: 'better-sqlite3', path: 'src' },
  { pkg: 'better-sqlite3', path: 'build/Release/obj' },
  { pkg: 'better-sqlite3', path: 'build/Release/obj.target' },
  { pkg: 'better-sqlite3', path: 'build/Release/sqlite3.a' },
  { pkg: 'better-sqlite3', path: 'build/Release/test_extension.node' },
];

/**
 * node-llama-cpp's local builds and the llama.cpp clone they were built from (300 MB with the build's
 * intermediates): an image without localEngine keeps none of it; one with it keeps what loading a build reads
 * (node-llama-cpp's getLocalBuildBinaryPath: each build's Release folder and buildDone.status; getGrammarsFolder:
 * the clone's grammars, and its .git, by which node-llama-cpp tells that the clone is there: HEAD alone).
 */
export const LOCAL_ENGINE_DIRS = ['llama/localBuilds', 'llama/llama.cpp'];
export const LOCAL_ENGINE_FILES = [
  /^llama\/localBuilds\/[^/]+\/(Release(\/.*)?|buildDone\.status)$/,
  /^llama\/llama\.cpp\/grammars(\/.*)?$/,
  /^llama\/llama\.cpp\/\.git\/HEAD$/,
];

/** Files left out wherever they are: tests and their fixtures are not part of an image. */
export const LEFT_OUT_PATTERNS = [/\.test\.ts$/];

/**
 * The numeric user and group every image runs as (no name: nothing needs a passwd entry), and the manifests'
 * runAsUser/runAsGroup/fsGroup. Above the range distributions give system and login users.
 */
export const RUNTIME_UID = 10001;
