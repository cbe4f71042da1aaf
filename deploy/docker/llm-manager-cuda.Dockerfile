# syntax=docker/dockerfile:1
# The llm-manager on NVIDIA GPUs. Build from the repository root:
#   docker build -f deploy/docker/llm-manager-cuda.Dockerfile -t ghcr.io/ownchat/llm-manager:0.1.0-cuda .
# Run it (Docker with the NVIDIA container toolkit):
#   docker run --gpus all --read-only --tmpfs /tmp -v ownchat-models:/models -p 11434:11434 \
#     ghcr.io/ownchat/llm-manager:0.1.0-cuda
#
# The base is NVIDIA's CUDA 12.4 runtime with cuBLAS, the toolkit node-llama-cpp's CUDA 12 backend
# (@node-llama-cpp/linux-x64-cuda-ext) was built with. Its CUDA 13 backend cannot load here (no CUDA 13 runtime,
# and it would need a 580+ driver), so node-llama-cpp loads the CUDA 12 one: with CUDA's minor-version
# compatibility that runs on drivers from the 525 series on (the blog's 550 included). Without a GPU the same image
# runs on the CPU, and says so in its start-up log ("inference compute: CPU").
#
# What /app holds comes from deploy/docker/images.ts, assembled by deploy/docker/assemble.ts.

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

FROM deps AS build
COPY . .
# TypeScript, a development dependency, compiles the packages to their dist/, which is what the image runs, and Vite
# builds the chat page (the root prepare script). Then assemble.ts (run through tsx, a development tool) copies the
# production closure alone, as `npm ls --omit=dev` lists it from this lockfile's install: no development dependency
# reaches /app.
RUN npm run prepare
RUN node --import tsx deploy/docker/assemble.ts llm-manager-cuda /out \
    && mkdir -p /out/models

FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04
# The same Node.js as the other images and the tests (the official build runs on Ubuntu 22.04's glibc).
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /out/app /app
COPY --from=build --chown=10001:10001 /out/models /models
WORKDIR /app
# NVIDIA_DISABLE_REQUIRE: the base image asks the container toolkit for a CUDA 12.4 driver (550+) or one of a few
# listed series, and would refuse a 545 driver that minor-version compatibility runs; on a driver too old for
# CUDA 12 the llm-manager starts all the same and runs on the CPU.
ENV NODE_ENV=production \
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
