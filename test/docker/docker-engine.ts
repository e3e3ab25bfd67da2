/** Whether a Docker engine answers, found the way testcontainers looks for one, with short timeouts. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type DockerEngine = { reachable: true; where: string } | { reachable: false; why: string };

const PING_TIMEOUT_MS = 2000;

function ping(target: { socketPath: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: PING_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A TLS engine cannot be pinged without its certificates: a TCP connection is taken as an answer. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PING_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function findDockerEngine(): Promise<DockerEngine> {
  const host = process.env.DOCKER_HOST;
  if (host) {
    const url = new URL(host);
    const ok =
      url.protocol === 'unix:'
        ? await ping({ socketPath: url.pathname })
        : process.env.DOCKER_TLS_VERIFY
          ? await reachable(url.hostname, Number(url.port || 2376))
          : await ping({ host: url.hostname, port: Number(url.port || 2375) });
    return ok
      ? { reachable: true, where: host }
      : { reachable: false, why: `no Docker engine answered at DOCKER_HOST=${host}` };
  }
  const sockets = [
    '/var/run/docker.sock',
    ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ];
  for (const socketPath of sockets) {
    if (await ping({ socketPath })) return { reachable: true, where: `unix://${socketPath}` };
  }
  return { reachable: false, why: `no Docker engine reachable (DOCKER_HOST unset, nothing answers at ${sockets[0]})` };
}
