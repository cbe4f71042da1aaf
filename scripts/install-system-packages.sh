#!/usr/bin/env bash
# Installs the system packages ownchat's tests need, with apt-get (Debian/Ubuntu; run as root or through sudo).
# `npm test` never installs anything itself: it checks for these and names what is missing.
#
# What it installs, and why (test models are GGUF files the tests write; servers are started from the tests on
# loopback, each with its own configuration).
set -euo pipefail

# kubectl, for `kubectl kustomize` in the deploy/kustomize tests: not from apt (the script says why).
bash "$(dirname "$0")/install-kubectl.sh"

PACKAGES=(
  docker-registry # a real OCI registry (distribution 2.8) that the pull tests push models to and pull from
  chromium        # the chatbot's browser tests drive Debian's Chromium through playwright-core (no browser download)
  nginx           # the chatbot's streaming is tested through a real reverse proxy with its default buffering
  postgresql      # the chatbot's stores, several chatbot replicas and migrate-db run on a real PostgreSQL (the tests
                  # start their own server from /usr/lib/postgresql/*/bin on loopback: testkit/src/postgres.ts)
  cmake           # npm ci builds llama.cpp for this CPU (scripts/build-engine.ts); the tests run on that build
  g++             # ... with this compiler
  make            # ... and this build tool
  buildah         # deploy/docker/realImages.test.ts builds the container images from the Dockerfiles with buildah
  podman          # ... and runs them together with podman, as the Kubernetes manifests run them
  runc            # ... under runc (podman's default, crun, refuses some kernels' cgroup layout)
  catatonit       # ... whose pods (podman kube play) start with catatonit as their init process
  debootstrap     # ... on a stand-in for the official Node.js image (Docker Hub may be out of reach), made with
                  # debootstrap: scripts/node-stand-in-image.sh. Without these five that test is skipped, saying so.
)

if [ ${#PACKAGES[@]} -eq 0 ]; then
  echo "install-system-packages: the tests need no system packages at present"
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-packages: all present (${PACKAGES[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
  echo "install-system-packages: run as root (apt-get needs it): sudo bash $0" >&2
  exit 1
fi
echo "install-system-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's docker-registry package also enables a system registry service on port 5000. The tests start their own
# on loopback and need none, so a service that our install just enabled is stopped and disabled again.
if [[ " ${missing[*]} " == *" docker-registry "* ]] && [ -d /run/systemd/system ]; then
  echo "install-system-packages: disabling the docker-registry system service (the tests start their own)"
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
# The same for Debian's postgresql package, which creates and starts a cluster on port 5432.
if [[ " ${missing[*]} " == *" postgresql "* ]] && [ -d /run/systemd/system ]; then
  echo "install-system-packages: disabling the postgresql system service (the tests start their own)"
  systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
