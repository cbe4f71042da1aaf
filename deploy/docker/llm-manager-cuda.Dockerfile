# syntax=docker/dockerfile:1
# The llm-manager on NVIDIA GPUs. Build from the repository root:
#   docker build -f deploy/docker/llm-manager-cuda.Dockerfile -t ghcr.io/ownchat/llm-manager:0.1.0-cuda .
# Run it (Docker with the NVIDIA container toolkit):
#   docker run --gpus all --read-only --tmpfs /tmp -v ownchat-models:/models -p 11434:11434 \
#     ghcr.io/ownchat/llm-manager:0.1.0-cuda
#
# The engine is the one `npm ci` builds on a laptop (scripts/build-engine.ts: node-llama-cpp's llama.cpp with
# patches/node-llama-cpp+3.21.1.patch: one thread pool per model, the shared KV cache, mtmd for images), built here
# twice from that source: with CUDA 12.8 (the toolkit Ollama builds its CUDA 12 runner with) for the compute
# capabilities Ollama's CUDA 12 Linux runner lists (llama/server/CMakePresets.json, llama_cuda_v12_linux: SASS for
# Pascal to Blackwell, PTX for Maxwell), and for the CPU alone, for a pod that lands without a GPU (no runtime
# class, no device): it then runs on the CPU and says so in its start-up log ("inference compute: CPU"). Both have
# ggml's CPU variants, the best one for the CPU picked at run time (deploy/docker/llm-manager.Dockerfile says more).
# With CUDA's minor-version compatibility a CUDA 12.8 build runs on drivers from the 525 series on (the blog's 550
# included; Blackwell cards need 570+ anyway).
#
# Not built by the tests (no nvidia/cuda base can be pulled on the machines they run on, and Debian's toolkit is not
# NVIDIA's 12.8): deploy/docker/dockerfiles.test.ts checks it, and CI's release workflow builds it.
#
# What /app holds comes from deploy/docker/images.ts, assembled by deploy/docker/assemble.ts.
ARG OWNCHAT_ENGINE_CPU_VARIANTS=all
ARG OWNCHAT_ENGINE_CUDA_ARCHITECTURES="50-virtual;52-virtual;60;61;70;75;80;86;89;90;90a;100;120"

FROM node:24.22.3-bookworm-slim AS deps
WORKDIR /src
# A compiler and Python for the native addons (better-sqlite3 builds with node-gyp against the headers the Node.js
# image carries in /usr/local: npm_config_nodedir), so no build downloads anything from outside the package
# registries (no prebuilt binary from GitHub, no headers from nodejs.org).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ cmake git \
    && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true
# The dependencies from the manifests alone, so that this stage (identical in every Dockerfile here) is a cached
# layer that lasts until the lockfile or a package.json changes: a change to the sources rebuilds only the stage
# below (deploy/docker/images.test.ts builds the images and says how long each step takes). No install scripts:
# the root ones need the sources (and would build llama.cpp for this builder's CPU), node-llama-cpp's only looks
# for its prebuilt binaries on this builder, which proves nothing about the machine the image runs on. The two
# that matter run by name: better-sqlite3 compiles from source, esbuild (a build tool) checks its binary.
COPY package.json package-lock.json ./
COPY packages/testkit/package.json packages/testkit/
COPY packages/manager/package.json packages/manager/
COPY packages/chat/package.json packages/chat/
COPY packages/cli/package.json packages/cli/
COPY packages/cli/bin packages/cli/bin/
RUN npm ci --ignore-scripts --no-audit --no-fund \
    && npm rebuild better-sqlite3 esbuild

# The engines, on NVIDIA's CUDA development image (nvcc, the CUDA libraries' headers) of the runtime base's Ubuntu,
# with the deps stage's Node.js and install, from what determines them alone (the lockfile, the patches, the build
# script and its CMake options): a cached layer while the sources change.
# CMake from PyPI (Kitware's wheels), as Ollama builds with CMake 3.31: Ubuntu 22.04's 3.22 predates the
# architecture-specific targets (90a, and the 120a llama.cpp makes of 120) in CMAKE_CUDA_ARCHITECTURES. Node.js and
# npm (which node-llama-cpp's build runs) come with the rest of deps' /usr/local, merged beside CUDA's.
FROM nvidia/cuda:12.8.1-devel-ubuntu22.04 AS engine
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-pip make g++ git \
    && rm -rf /var/lib/apt/lists/* \
    && pip3 install --no-cache-dir cmake==3.31.6
COPY --from=deps /usr/local /usr/local
COPY --from=deps /src /src
WORKDIR /src
ENV npm_config_nodedir=/usr/local
COPY patches patches/
COPY scripts/build-engine.ts scripts/
COPY packages/manager/src/engine/engineBuild.ts packages/manager/src/engine/
COPY packages/manager/src/engine/amx.ts packages/manager/src/engine/
ARG OWNCHAT_ENGINE_CPU_VARIANTS
ARG OWNCHAT_ENGINE_CUDA_ARCHITECTURES
ENV OWNCHAT_ENGINE_CPU_VARIANTS=${OWNCHAT_ENGINE_CPU_VARIANTS} \
    OWNCHAT_ENGINE_CUDA_ARCHITECTURES=${OWNCHAT_ENGINE_CUDA_ARCHITECTURES} \
    OWNCHAT_ENGINE_GPU=cuda \
    OWNCHAT_ENGINE_CACHE=0
# build-engine.ts never fails an install; an image without its engine is a failed build (the stamp says).
RUN node --import tsx scripts/build-engine.ts \
    && test -f node_modules/node-llama-cpp/llama/localBuilds/ownchat-engine.json

FROM deps AS build
COPY . .
# The engines and the node-llama-cpp the patch changed (its JavaScript half: the kvUnified option).
COPY --from=engine /src/node_modules/node-llama-cpp /src/node_modules/node-llama-cpp
# TypeScript, a development dependency, compiles the packages to their dist/, which is what the image runs, and Vite
# builds the chat page (the root prepare script). Then assemble.ts (run through tsx, a development tool) copies the
# production closure alone, as `npm ls --omit=dev` lists it from this lockfile's install: no development dependency
# reaches /app.
RUN npm run prepare
RUN node --import tsx deploy/docker/assemble.ts llm-manager-cuda /out \
    && mkdir -p /out/models

FROM nvidia/cuda:12.8.1-runtime-ubuntu22.04
ARG OWNCHAT_ENGINE_CPU_VARIANTS
ARG OWNCHAT_ENGINE_CUDA_ARCHITECTURES
# The same Node.js as the other images and the tests (the official build runs on Ubuntu 22.04's glibc).
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /out/app /app
COPY --from=build --chown=10001:10001 /out/models /models
WORKDIR /app
# NVIDIA_DISABLE_REQUIRE: the base image asks the container toolkit for a CUDA 12.8 driver (570+) or one of a few
# listed series, and would refuse a 545 driver that minor-version compatibility runs; on a driver too old for
# CUDA 12 the llm-manager starts all the same and runs on the CPU. OWNCHAT_ENGINE_*: the engines' CMake options,
# by which the llm-manager finds the builds made above.
ENV NODE_ENV=production \
    OWNCHAT_ENGINE_CPU_VARIANTS=${OWNCHAT_ENGINE_CPU_VARIANTS} \
    OWNCHAT_ENGINE_CUDA_ARCHITECTURES=${OWNCHAT_ENGINE_CUDA_ARCHITECTURES} \
    HOME=/tmp \
    OLLAMA_HOST=0.0.0.0:11434 \
    OLLAMA_MODELS=/models \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    NVIDIA_DISABLE_REQUIRE=true
USER 10001:10001
EXPOSE 11434
ENTRYPOINT ["node", "/app/packages/cli/bin/ownchat.js"]
CMD ["serve"]
