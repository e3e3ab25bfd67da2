/**
 * The connection the password functions share when the caller passes none. Opening a connection costs a socket,
 * authentication, `Hello` and a Diffie-Hellman session, several times what a read itself costs, so it is opened
 * once per bus and kept, as libsecret keeps its `SecretService` (and therefore keytar and Python keyring do). It is
 * reopened when the bus closed it, keeps the process alive only while an operation uses it, and is dropped after an
 * operation was aborted or timed out on it, so that a call still waiting on a hung service cannot hold the process.
 */
import type { Connection } from '../connection.js';
import { abortable } from '../abortable.js';
import { connectionTarget, dbusInit } from '../dbus-init.js';

export interface SharedConnectionOptions {
  /** A bus address; default: the session bus of `env`. */
  address?: string;
  /** Where the session bus and service name are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** A use of the shared connection; `release` it when the operation ends. */
export interface Lease {
  connection: Connection;
  /** Ends this use. `abandoned`: the operation stopped early (abort, timeout) and may have left calls pending. */
  release(abandoned: boolean): Promise<void>;
}

interface Entry {
  opening: Promise<Connection>;
  /** Set once `opening` has settled. */
  opened: boolean;
  /** Operations waiting for `opening`: when the last gives up, the opening is given up too (see lease). */
  waiting: number;
  /** Gives up the opening. */
  giveUp: AbortController;
  users: number;
  /** No new operation gets it; it is closed when its last user releases it. */
  retired: boolean;
}

const entries = new Map<string, Entry>();

/** The bus and service a connection for `options` reaches (and whether it logs): connections are shared by these. */
function keyOf(options: SharedConnectionOptions): string {
  const { address, serviceName } = connectionTarget(options);
  return JSON.stringify([address ?? null, serviceName, (options.env ?? process.env).DEBUG ?? null]);
}

function retire(key: string, entry: Entry): void {
  entry.retired = true;
  if (entries.get(key) === entry) entries.delete(key);
}

function open(key: string, options: SharedConnectionOptions): Entry {
  const giveUp = new AbortController();
  const target = options.address !== undefined ? { address: options.address } : { env: options.env };
  const entry: Entry = {
    opening: dbusInit({ ...target, signal: giveUp.signal }).then((connection) => {
      // Idle until a lease refs it.
      connection.unref();
      return connection;
    }),
    opened: false,
    waiting: 0,
    giveUp,
    users: 0,
    retired: false,
  };
  entry.opening.then(
    () => (entry.opened = true),
    () => {
      entry.opened = true;
      retire(key, entry);
    },
  );
  entries.set(key, entry);
  return entry;
}

/**
 * The shared connection for `options`' bus, opened on first use. Aborting `signal` while it is being opened stops the
 * wait; when nobody else waits for it, the opening is given up as well, so that a bus that never finishes the
 * handshake does not keep the process alive.
 * @throws NoBackendError when there is no bus to connect to; the signal's reason when it aborts first.
 */
export async function leaseSharedConnection(options: SharedConnectionOptions, signal?: AbortSignal): Promise<Lease> {
  const key = keyOf(options);
  const current = entries.get(key) ?? open(key, options);
  let connection: Connection;
  current.waiting++;
  try {
    connection = await (signal ? abortable(current.opening, signal) : current.opening);
  } catch (error) {
    if (--current.waiting === 0 && !current.opened && signal?.aborted) {
      retire(key, current);
      current.giveUp.abort(error);
      current.opening.catch(() => undefined);
    }
    throw error;
  }
  current.waiting--;
  if (connection.closed) {
    // The bus went away (or it was closed after an abandoned operation) since it was opened: open a new one.
    retire(key, current);
    return leaseSharedConnection(options, signal);
  }
  if (current.users++ === 0) connection.ref();
  let released = false;
  return {
    connection,
    async release(abandoned) {
      if (released) return;
      released = true;
      if (abandoned) retire(key, current);
      if (--current.users > 0) return;
      if (current.retired) await connection.close();
      else connection.unref();
    },
  };
}

/**
 * Closes the connections the password functions keep (they do not keep the process alive, so this is only needed
 * to free them early, e.g. between tests). Operations still running on them fail with ConnectionClosedError.
 */
export async function closeSharedConnections(): Promise<void> {
  const current = [...entries.entries()];
  entries.clear();
  await Promise.all(
    current.map(async ([key, entry]) => {
      retire(key, entry);
      await (await entry.opening.catch(() => undefined))?.close();
    }),
  );
}
