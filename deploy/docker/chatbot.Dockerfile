# syntax=docker/dockerfile:1
# The chatbot: no llama.cpp binaries and no Debian base, so a small image. Build from the repository root:
#   docker build -f deploy/docker/chatbot.Dockerfile -t ghcr.io/ownchat/chatbot:0.1.0 .
# Run it against an llm-manager (or any Ollama-compatible server):
#   docker run --read-only --tmpfs /tmp -v ownchat-data:/data -p 8080:8080 \
#     -e OLLAMA_HOST=http://host.docker.internal:11434 ghcr.io/ownchat/chatbot:0.1.0
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
RUN node --import tsx deploy/docker/assemble.ts chatbot /out \
    && mkdir -p /out/data

# The runtime's root file system, distroless: the node binary (its symbol table stripped, 18 MB less; addons link
# against its dynamic symbols, which stay), the shared libraries it and the native addons in /app load (listed by
# ldd, so the same lines serve amd64 and arm64), and nothing else: no shell, no package manager, no Debian base
# (75 MB). The chatbot runs node alone; its probes are HTTP. Names resolve through /etc/hosts first (Kubernetes'
# hostAliases), then DNS, as on Debian.
FROM build AS rootfs
RUN set -eu; \
    mkdir -p /rootfs/usr/local/bin /rootfs/tmp /rootfs/etc; \
    strip -o /rootfs/usr/local/bin/node /usr/local/bin/node; \
    for f in /usr/local/bin/node $(find /out/app -name '*.node'); do ldd "$f"; done \
        | grep -o '/[^ ]*' | sort -u | xargs -I{} cp -L --parents {} /rootfs; \
    chmod 1777 /rootfs/tmp; \
    echo 'hosts: files dns' > /rootfs/etc/nsswitch.conf; \
    echo 'ownchat:x:10001:10001::/tmp:/nonexistent' > /rootfs/etc/passwd; \
    echo 'ownchat:x:10001:' > /rootfs/etc/group

FROM scratch
COPY --from=rootfs /rootfs /
COPY --from=build /out/app /app
# Conversations (SQLite) live here: the mount point belongs to the runtime user.
COPY --from=build --chown=10001:10001 /out/data /data
WORKDIR /app
ENV NODE_ENV=production \
    PATH=/usr/local/bin \
    HOME=/tmp \
    OWNCHAT_LISTEN=0.0.0.0:8080 \
    OWNCHAT_DATA=/data
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "/app/packages/cli/bin/ownchat.js"]
CMD ["chat"]
