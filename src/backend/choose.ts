/**
 * The one place that decides which backend a facade (password API, keytar drop-in, user-secrets, CLI) uses:
 *
 * - `file`, when asked for (the `backend` option, or `SECRETSTORAGE_BACKEND=file` for programs that cannot change
 *   their code): the keyring file at `filePath` / `SECRETSTORAGE_FILE_PATH` (default: libsecret's and oo7's
 *   `$XDG_DATA_HOME/keyrings/default.keyring`), opened with the password `filePassword` /
 *   `SECRETSTORAGE_FILE_PASSWORD`. Never chosen silently, and never without a password: there is no plain-text
 *   mode.
 * - `secret-service` otherwise, and when the caller passes a connection or an address (over the variable; together
 *   with the `file` option, that is an error).
 *
 * In a Flatpak or Snap, libsecret and oo7 open the sandbox's keyring file with a key from the Secret portal. That
 * needs a file descriptor passed over D-Bus, which this library's connection cannot do yet (Node's sockets send no
 * SCM_RIGHTS): a sandboxed process uses the Secret Service (reachable when the sandbox allows
 * `org.freedesktop.secrets`), or the sandbox's keyring file when it is given the file's password, and {@link
 * describeBackendChoice} says so.
 */
import { loadNodeCrypto } from '../crypto/node-crypto.js';
import { InvalidArgumentError } from '../errors.js';
import { KeyringFile } from '../keyring-file/keyring-file.js';
import { defaultKeyringFilePath, detectSandbox, type Sandbox } from '../keyring-file/location.js';

export type BackendName = 'auto' | 'secret-service' | 'file';

export const BACKEND_ENV = 'SECRETSTORAGE_BACKEND';
export const FILE_PATH_ENV = 'SECRETSTORAGE_FILE_PATH';
export const FILE_PASSWORD_ENV = 'SECRETSTORAGE_FILE_PASSWORD';

export interface BackendOptions {
  /** `auto` (default: `SECRETSTORAGE_BACKEND`, else the Secret Service), `secret-service` or `file`. */
  backend?: BackendName;
  /** The keyring file (default `SECRETSTORAGE_FILE_PATH`, else `$XDG_DATA_HOME/keyrings/default.keyring`). */
  filePath?: string;
  /** The keyring file's password (default `SECRETSTORAGE_FILE_PASSWORD`). */
  filePassword?: string;
  /** Where the variables are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** A connection or address of the caller's means the Secret Service. */
  connection?: unknown;
  address?: string;
}

export type BackendChoice =
  | { kind: 'secret-service'; reason: string; sandbox?: Sandbox }
  | { kind: 'file'; path: string; password: string; reason: string; sandbox?: Sandbox };

const NAMES: readonly BackendName[] = ['auto', 'secret-service', 'file'];

function backendName(value: unknown, argument: string): BackendName {
  if (value === undefined || value === '') return 'auto';
  if (typeof value === 'string' && (NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new InvalidArgumentError(
    argument,
    `${JSON.stringify(value)} is not a backend; use one of ${NAMES.join(', ')}.`,
  );
}

/**
 * Which backend `options` (and the environment) select, and why.
 * @throws InvalidArgumentError for an unknown backend name, a file backend without a password, or a file backend
 *   together with a connection or address.
 */
export function chooseBackend(options: BackendOptions = {}): BackendChoice {
  const env = options.env ?? process.env;
  const sandbox = detectSandbox(env);
  const inSandbox = sandbox === undefined ? {} : { sandbox };
  const asked = backendName(options.backend, 'backend');
  const given = options.connection !== undefined || options.address !== undefined;
  if (given && asked !== 'file') {
    return { kind: 'secret-service', reason: 'a connection or bus address was given', ...inSandbox };
  }
  const fromEnv = asked === 'auto' ? backendName(env[BACKEND_ENV], BACKEND_ENV) : 'auto';
  const name = asked !== 'auto' ? asked : fromEnv;
  const why = asked !== 'auto' ? `the backend option is "${asked}"` : `${BACKEND_ENV}=${fromEnv}`;
  if (name === 'file') {
    if (given) {
      throw new InvalidArgumentError(
        'backend',
        `${why}, but a connection or address was given too, which only the Secret Service uses; pass one or the other.`,
      );
    }
    const password = options.filePassword ?? env[FILE_PASSWORD_ENV];
    if (typeof password !== 'string' || password === '') {
      throw new InvalidArgumentError(
        'filePassword',
        `${why} and a keyring file needs a password to derive its key from: set ${FILE_PASSWORD_ENV} (or pass ` +
          'filePassword). There is no unencrypted keyring file.',
      );
    }
    const path = options.filePath ?? (env[FILE_PATH_ENV] || defaultKeyringFilePath(env));
    return { kind: 'file', path, password, reason: `${why}: the keyring file ${path}`, ...inSandbox };
  }
  if (name === 'secret-service') return { kind: 'secret-service', reason: `${why}`, ...inSandbox };
  if (sandbox) {
    return {
      kind: 'secret-service',
      reason:
        `this process runs in a ${sandbox === 'flatpak' ? 'Flatpak' : 'Snap'} sandbox, where libsecret and oo7 use ` +
        "the sandbox's keyring file with a key from the Secret portal; this library cannot ask the portal (it " +
        'needs a file descriptor passed over D-Bus), so it uses the Secret Service, which the sandbox must allow ' +
        `(--talk-name=org.freedesktop.secrets), or the keyring file with ${BACKEND_ENV}=file and ${FILE_PASSWORD_ENV}`,
      sandbox,
    };
  }
  return { kind: 'secret-service', reason: `no backend was asked for (${BACKEND_ENV} is not set)` };
}

/** A keyring file per path and password, kept so that its key (PBKDF2, deliberately slow) is derived once. */
const openFiles = new Map<string, KeyringFile>();

export type Backend =
  { kind: 'secret-service'; choice: BackendChoice } | { kind: 'file'; choice: BackendChoice; file: KeyringFile };

/**
 * The backend `options` select, ready to use (see {@link chooseBackend}).
 * @throws as {@link chooseBackend}.
 */
export async function openBackend(options: BackendOptions = {}): Promise<Backend> {
  const choice = chooseBackend(options);
  if (choice.kind !== 'file') return { kind: 'secret-service', choice };
  const crypto = await loadNodeCrypto();
  const id = `${choice.path}\0${crypto.createHash('sha256').update(choice.password).digest('hex')}`;
  let file = openFiles.get(id);
  if (!file) {
    file = new KeyringFile(choice.path, new TextEncoder().encode(choice.password));
    openFiles.set(id, file);
  }
  return { kind: 'file', choice, file };
}

/** Forgets the keyring files' passwords and keys kept by {@link openBackend}. */
export async function closeKeyringFiles(): Promise<void> {
  const files = [...openFiles.values()];
  openFiles.clear();
  await Promise.all(files.map((file) => file.close()));
}
