# Sourced by .ci/run (issue 23): the Docker runs. docker_ci_run installs and starts a Docker engine when it can (as
# root), makes the base image locally when no container registry is reachable (scripts/docker-base-image.sh), builds
# Dockerfile.test and runs the container's own `npm test` in it (the README's Docker command), then the host-side
# testcontainers harness (test/docker/harness.test.ts, with SECRETSTORAGE_DOCKER_REQUIRED=1 so that it fails instead
# of skipping), each alone on the machine, and stops the engine it started: the harness in .ci/run's own `npm test`
# then prints its skip line. If no engine can be had, it says so in one line and .ci/run goes on. Nothing is kept
# for a later run.

DOCKER_CI_LOG=/tmp/secretstorage-ci-dockerd.log
DOCKER_CI_PID=

docker_ci_run() {
  if [ "$(id -u)" != 0 ]; then
    echo "Docker: not root, so no Docker engine is started; the Docker runs are skipped"
    return 0
  fi
  if ! apt-get install -y -qq docker.io containerd runc iptables mmdebstrap >/dev/null 2>&1; then
    echo "Docker: docker.io could not be installed; the Docker runs are skipped"
    return 0
  fi
  if ! docker info >/dev/null 2>&1; then
    dockerd --storage-driver=overlay2 >"$DOCKER_CI_LOG" 2>&1 &
    DOCKER_CI_PID=$!
    local waited=0
    until docker info >/dev/null 2>&1; do
      if ! kill -0 "$DOCKER_CI_PID" 2>/dev/null || [ "$waited" -ge 60 ]; then
        echo "Docker: the engine did not start ($(tail -n 1 "$DOCKER_CI_LOG")); the Docker runs are skipped"
        docker_ci_stop
        return 0
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi

  local base=node:20-bookworm-slim
  if ! timeout 300 docker pull -q "$base" >/dev/null 2>&1; then
    echo "Docker: no container registry reachable; making the base image locally"
    base=secretstorage-base:bookworm-node20
    bash scripts/docker-base-image.sh "$base"
    export SECRETSTORAGE_DOCKER_BASE_IMAGE=$base TESTCONTAINERS_RYUK_DISABLED=true
  fi
  echo "Docker: building Dockerfile.test on $base"
  if ! docker build -f Dockerfile.test --build-arg "BASE_IMAGE=$base" -t secretstorage-test . >/tmp/secretstorage-ci-build.log 2>&1; then
    tail -n 40 /tmp/secretstorage-ci-build.log
    echo "Docker: building Dockerfile.test failed (above)"
    return 1
  fi
  echo "Docker: the container's own npm test (docker run --rm secretstorage-test)"
  docker run --rm secretstorage-test
  echo "Docker: the testcontainers harness (test/docker/harness.test.ts; dist/ was built by npm ci's prepare)"
  SECRETSTORAGE_DOCKER_REQUIRED=1 npx vitest run test/docker/harness.test.ts
  if [ -n "$DOCKER_CI_PID" ]; then
    docker_ci_stop
    echo "Docker: done, engine stopped (the harness ran above; npm test below skips it)"
  fi
}

docker_ci_stop() {
  [ -n "$DOCKER_CI_PID" ] || return 0
  kill "$DOCKER_CI_PID" 2>/dev/null || true
  wait "$DOCKER_CI_PID" 2>/dev/null || true
  DOCKER_CI_PID=
}
