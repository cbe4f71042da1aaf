# syntax=docker/dockerfile:1
# The chatbot: no llama.cpp binaries, so a small image. Build from the repository root:
#   docker build -f deploy/docker/chatbot.Dockerfile -t ghcr.io/ownchat/chatbot:0.1.0 .
# Run it against an llm-manager (or any Ollama-compatible server):
#   docker run --read-only --tmpfs /tmp -v ownchat-data:/data -p 8080:8080 \
#     -e OLLAMA_HOST=http://host.docker.internal:11434 ghcr.io/ownchat/chatbot:0.1.0
#
# What /app holds comes from deploy/docker/images.ts, assembled by deploy/docker/assemble.ts.

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
# A compiler and Python for the native addons (better-sqlite3 builds with node-gyp against the headers the Node.js
# image carries in /usr/local: npm_config_nodedir), so no build downloads anything from outside the package
# registries (no prebuilt binary from GitHub, no headers from nodejs.org).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ cmake git \
    && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true
COPY . .
# The chat page and the compiled packages are built with development tools (Vite, React, TypeScript) the image does
# not keep: install everything (npm ci runs the root prepare script, which compiles the packages to their dist/ and
# builds packages/chat/dist/web); assemble.ts (run through tsx, a development tool) then copies the production
# closure alone, as `npm ls --omit=dev` lists it: no development dependency reaches /app.
RUN NODE_LLAMA_CPP_SKIP_DOWNLOAD=true OWNCHAT_ENGINE_BUILD=0 npm ci --no-audit --no-fund
RUN node --import tsx deploy/docker/assemble.ts chatbot /out \
    && mkdir -p /out/data

FROM node:24.22.3-bookworm-slim
COPY --from=build /out/app /app
# Conversations (SQLite) live here: the mount point belongs to the runtime user.
COPY --from=build --chown=10001:10001 /out/data /data
WORKDIR /app
ENV NODE_ENV=production \
    HOME=/tmp \
    OWNCHAT_LISTEN=0.0.0.0:8080 \
    OWNCHAT_DATA=/data
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "/app/packages/cli/bin/ownchat.js"]
CMD ["chat"]
