#!/usr/bin/env bash
# Installs the system packages ownchat's tests need, with apt-get (Debian/Ubuntu; run as root or through sudo).
# `npm test` never installs anything itself: it checks for these and names what is missing.
#
# What it installs, and why: nothing yet. Today's tests need only Node.js and the npm packages (`npm ci`):
# test models are GGUF files the tests write, and servers are started from the tests on loopback. The OCI
# registry (docker-registry), the browser (chromium) and nginx join this list with the tests that use them.
set -euo pipefail

# kubectl, for `kubectl kustomize` in the deploy/kustomize tests: not from apt (the script says why).
bash "$(dirname "$0")/install-kubectl.sh"

PACKAGES=()

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
