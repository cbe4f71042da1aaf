# syntax=docker/dockerfile:1
# The llm-manager on the CPU. Build from the repository root:
#   docker build -f deploy/docker/llm-manager.Dockerfile -t ghcr.io/ownchat/llm-manager:0.1.0 .
# Run it read-only as its numeric user, with the model store and /tmp writable (as the Kubernetes manifests do):
#   docker run --read-only --tmpfs /tmp -v ownchat-models:/models -p 11434:11434 ghcr.io/ownchat/llm-manager:0.1.0
#
# What /app holds comes from deploy/docker/images.ts, assembled by deploy/docker/assemble.ts; the tests run that
# same assembler and start the tree they get read-only, as uid 10001 (deploy/docker/runtimeTree.test.ts).
#
# The engine is the one `npm ci` builds on a laptop (scripts/build-engine.ts: node-llama-cpp's llama.cpp with
# patches/node-llama-cpp+3.21.1.patch, i.e. one thread pool per model, the shared KV cache and mtmd for images), built
# portable: ggml's CPU variants as loadable backends, the best one for the CPU it meets picked when it starts (its
# start-up log names it: "engine: llama.cpp built in the image (...), CPU variant haswell"). The published image
# builds every variant ggml lists for its architecture; a build may list fewer (the image test builds the baseline
# and the one its CPU picks):
#   docker build --build-arg OWNCHAT_ENGINE_CPU_VARIANTS=x64,haswell -f deploy/docker/llm-manager.Dockerfile .
ARG OWNCHAT_ENGINE_CPU_VARIANTS=all

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

# The engine, from what determines it alone (the lockfile through deps, the patches, the build script and its CMake
# options), so that it stays a cached layer while the sources change. OWNCHAT_ENGINE_CACHE=0: the install cache
# outside node_modules is for laptops; here the layer is the cache.
FROM deps AS engine
COPY patches patches/
COPY scripts/build-engine.ts scripts/
COPY packages/manager/src/engine/engineBuild.ts packages/manager/src/engine/
COPY packages/manager/src/engine/amx.ts packages/manager/src/engine/
ARG OWNCHAT_ENGINE_CPU_VARIANTS
ENV OWNCHAT_ENGINE_CPU_VARIANTS=${OWNCHAT_ENGINE_CPU_VARIANTS} \
    OWNCHAT_ENGINE_CACHE=0
# build-engine.ts never fails an install (a laptop without a compiler gets the prebuilt binaries); an image without
# its engine is a failed build: the stamp it writes only after a build says whether there is one.
RUN node --import tsx scripts/build-engine.ts \
    && test -f node_modules/node-llama-cpp/llama/localBuilds/ownchat-engine.json

FROM engine AS build
COPY . .
# TypeScript, a development dependency, compiles the packages to their dist/, which is what the image runs, and Vite
# builds the chat page (the root prepare script). Then assemble.ts (run through tsx, a development tool) copies the
# production closure alone, as `npm ls --omit=dev` lists it from this lockfile's install: no development dependency
# reaches /app.
RUN npm run prepare
RUN node --import tsx deploy/docker/assemble.ts llm-manager /out \
    && mkdir -p /out/models

FROM node:24.22.3-bookworm-slim
ARG OWNCHAT_ENGINE_CPU_VARIANTS
COPY --from=build /out/app /app
# The model store's mount point belongs to the runtime user, so a fresh Docker volume mounted there does too.
COPY --from=build --chown=10001:10001 /out/models /models
WORKDIR /app
# OWNCHAT_ENGINE_CPU_VARIANTS: the engine's CMake options, by which the llm-manager finds the build made above.
ENV NODE_ENV=production \
    OWNCHAT_ENGINE_CPU_VARIANTS=${OWNCHAT_ENGINE_CPU_VARIANTS} \
    HOME=/tmp \
    OLLAMA_HOST=0.0.0.0:11434 \
    OLLAMA_MODELS=/models
USER 10001:10001
EXPOSE 11434
ENTRYPOINT ["node", "/app/packages/cli/bin/ownchat.js"]
CMD ["serve"]
