#!/usr/bin/env bash
# The llm-manager on a real NVIDIA GPU (issue 24): builds the engine with CUDA for this machine's GPU, then places
# a 0.5B-shaped and a 7B-shaped model all on the GPU, split between GPU and CPU, and on the CPU, and measures each
# against llama.cpp's own llama-bench. Made for the device tool's machines: CUDA, CMake and ninja, but no Node.js
# and no network. Here first, after `npm ci`:
#
#   node --import tsx scripts/gpu-check/pack.ts        # Node.js, node_modules and llama.cpp into .gpu-check/
#
# then, on the device (one call; carry [".gpu-check"], timeout 540):
#
#   bash scripts/gpu-check.sh                          # results in $OUT: gpu-check.json, gpu-check.txt, logs
#
# If the build left too little time to measure everything, the JSON says what was skipped: call again at once
# (the machine stays warm 30 s and keeps what was built) with `OWNCHAT_GPU_CHECK_SECONDS=400 bash
# scripts/gpu-check.sh measure`.
#
# Steps, each also runnable alone: `unpack` (Node.js into $OWNCHAT_GPU_CHECK_WORK, the packed tree into this
# checkout), `build` (scripts/build-engine.ts, the script `npm ci` runs, with OWNCHAT_ENGINE_GPU=cuda for this GPU's
# compute capability only; then llama-bench from the same build tree), `measure` (scripts/gpu-check/measure.ts).
# It finishes by OWNCHAT_GPU_CHECK_SECONDS (480) after it starts: the measuring step skips what no longer fits and
# says so. Without a GPU (nvidia-smi missing) it builds and measures the CPU engine: scripts/gpu-check/gpuCheck.test.ts
# runs its CPU parts that way.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pack="${OWNCHAT_GPU_CHECK_PACK:-$root/.gpu-check}"
work="${OWNCHAT_GPU_CHECK_WORK:-/tmp/ownchat-gpu-check}"
out="${OUT:-$pack/out}"
started=$(date +%s)
deadline=$((started + ${OWNCHAT_GPU_CHECK_SECONDS:-480}))
nlc="$root/node_modules/node-llama-cpp"
mkdir -p "$out" "$work"
say() { echo "gpu-check: $*" | tee -a "$out/gpu-check.log"; }

# xz from the system, or Python's lzma where there is no xz.
unxz_to() { # archive, folder
  mkdir -p "$2"
  if command -v xz >/dev/null; then
    tar -xJf "$1" -C "$2"
  else
    python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.argv[1]), mode="r|").extractall(sys.argv[2])' "$1" "$2"
  fi
}

unpack() {
  for f in node.tar.xz tree.tar.xz llama.cpp.tar.xz; do
    [ -f "$pack/$f" ] || { say "$pack/$f is missing: run node --import tsx scripts/gpu-check/pack.ts first"; exit 1; }
  done
  unxz_to "$pack/node.tar.xz" "$work/node"
  unxz_to "$pack/tree.tar.xz" "$root"
  rm -rf "$nlc/llama/llama.cpp"
  unxz_to "$pack/llama.cpp.tar.xz" "$nlc/llama/llama.cpp"
  # node-llama-cpp takes the source as cloned when it has a .git and the release file (isLlamaCppRepoCloned).
  mkdir -p "$nlc/llama/llama.cpp/.git"
  echo 'ref: refs/heads/master' >"$nlc/llama/llama.cpp/.git/HEAD"
  say "unpacked Node.js $("$work/node/bin/node" --version) and the tree in $(($(date +%s) - started)) s"
}

use_node() {
  export PATH="$work/node/bin:$root/node_modules/.bin:$PATH"
  # cmake-js (node-llama-cpp's build) reads Node's headers from here instead of downloading them.
  export npm_config_nodedir="$work/node"
  export npm_config_update_notifier=false
  # The device has no Node.js of its own; here, the packed one must win over the system's all the same.
  local c
  for c in node npm; do
    [ "$(command -v "$c")" = "$work/node/bin/$c" ] || { say "$c is not the packed one: $(command -v "$c")"; exit 1; }
  done
}

# The GPU's compute capability as CMake names it (9.0 -> 90), or nothing without a GPU.
compute_capability() {
  command -v nvidia-smi >/dev/null || return 0
  nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. '
}

build() {
  use_node
  local cc t0
  cc=$(compute_capability)
  if [ -n "$cc" ]; then
    export OWNCHAT_ENGINE_GPU=cuda OWNCHAT_ENGINE_CUDA_ARCHITECTURES="$cc" OWNCHAT_ENGINE_CPU_BUILD=0
    say "building the engine with CUDA for compute capability $cc"
  else
    say "no GPU found (nvidia-smi): building the CPU engine"
  fi
  export OWNCHAT_ENGINE_CACHE=0
  t0=$(date +%s)
  rm -f "$nlc/llama/localBuilds/ownchat-engine.json"
  node --import tsx "$root/scripts/build-engine.ts" 2>&1 | tee -a "$out/gpu-check.log"
  echo $(($(date +%s) - t0)) >"$work/engine-build-seconds"
  cp "$root/node_modules/.cache/ownchat-engine-build.log" "$out/engine-build.log" 2>/dev/null || true
  [ -f "$nlc/llama/localBuilds/ownchat-engine.json" ] || { say "the engine did not build: see engine-build.log"; exit 1; }
  # llama-bench from the engine's own CMake build tree: the same source, flags and CUDA objects, so only llama.cpp's
  # common library and the tool itself compile (a second CUDA build would not fit the time).
  local tree
  tree="$nlc/llama/localBuilds/$(node -p 'require(process.argv[1]).folderName' "$nlc/llama/lastBuild.json")"
  t0=$(date +%s)
  if cmake -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF "$tree" >"$out/llama-bench-build.log" 2>&1 &&
    cmake --build "$tree" --target llama-bench -j "$(nproc)" >>"$out/llama-bench-build.log" 2>&1; then
    find "$tree" -name llama-bench -type f -perm -u+x | head -1 >"$work/llama-bench-path"
    say "built llama-bench in $(($(date +%s) - t0)) s: $(cat "$work/llama-bench-path")"
  else
    say "llama-bench did not build (llama-bench-build.log): the results have no reference"
    : >"$work/llama-bench-path"
  fi
}

measure() {
  use_node
  local cc
  cc=$(compute_capability)
  # The engine's CMake options name the CUDA architectures it was built for; the runner finds it by them.
  [ -z "$cc" ] || export OWNCHAT_ENGINE_CUDA_ARCHITECTURES="$cc"
  OUT="$out" OWNCHAT_GPU_CHECK_WORK="$work" OWNCHAT_GPU_CHECK_DEADLINE=$((deadline * 1000)) \
    OWNCHAT_GPU_CHECK_LLAMA_BENCH="$(cat "$work/llama-bench-path" 2>/dev/null || true)" \
    OWNCHAT_GPU_CHECK_ENGINE_BUILD_S="$(cat "$work/engine-build-seconds" 2>/dev/null || true)" \
    node --import tsx "$root/scripts/gpu-check/measure.ts" 2>&1 | tee -a "$out/gpu-check.log"
}

case "${1:-all}" in
unpack) unpack ;;
build) build ;;
measure) measure ;;
all)
  unpack
  # The models are written (one core, a minute for the 7B) while the engine builds.
  (use_node && OWNCHAT_GPU_CHECK_WORK="$work" node --import tsx "$root/scripts/gpu-check/measure.ts" models \
    >>"$out/gpu-check.log" 2>&1) &
  writer=$!
  build
  wait "$writer" || say "writing the models failed (gpu-check.log); the measuring step tries again"
  measure
  ;;
*)
  echo "usage: bash scripts/gpu-check.sh [unpack|build|measure|all]" >&2
  exit 2
  ;;
esac
say "done in $(($(date +%s) - started)) s"
