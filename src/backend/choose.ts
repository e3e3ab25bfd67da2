/**
 * The one place that decides which backend a facade (password API, keytar drop-in, user-secrets, CLI) uses, as
 * libsecret's `secret-backend.c` and oo7's `Keyring::new()` decide:
 *
 * - `file`, when asked for (the `backend` option, or `SECRETSTORAGE_BACKEND=file` for programs that cannot change
 *   their code): the keyring file at `filePath` / `SECRETSTORAGE_FILE_PATH` (default: libsecret's and oo7's
 *   `$XDG_DATA_HOME/keyrings/default.keyring`), opened with the password `filePassword` /
 *   `SECRETSTORAGE_FILE_PASSWORD`. Never chosen silently, and never without a password: there is no plain-text mode.
 * - In a Flatpak or Snap sandbox, unless told otherwise: the sandbox's keyring file, with its key from the Secret
 *   portal (a per-application secret); when the sandbox has no portal to ask, the Secret Service, as oo7 falls back.
 * - `secret-service` otherwise, and when the caller passes a connection or an address (over the variable; together
 *   with the `file` option, that is an error).
 *
 * The keyring file's code and the portal's are loaded only when they are chosen: a program on the Secret Service (and
 * the CLI's start-up) does not parse them.
 */
import { loadNodeCrypto } from '../crypto/node-crypto.js';
import { InvalidArgumentError } from '../errors.js';
import { wipe } from '../crypto/bytes.js';
import type { KeyringFile } from '../keyring-file/keyring-file.js';
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

/** Where a keyring file's key comes from: a password, or the Secret portal's secret for this application. */
export type FileKey = { kind: 'password'; password: string } | { kind: 'portal' };

export type BackendChoice =
  | { kind: 'secret-service'; reason: string; sandbox?: Sandbox }
  | { kind: 'file'; path: string; key: FileKey; reason: string; sandbox?: Sandbox };

const NAMES: readonly BackendName[] = ['auto', 'secret-service', 'file'];

/** The password as a key whose `password` is not enumerable: neither `inspect` nor `JSON.stringify` shows it. */
function passwordKey(password: string): FileKey {
  const key = { kind: 'password' } as FileKey & { kind: 'password' };
  Object.defineProperty(key, 'password', { value: password, enumerable: false });
  return key;
}

/**
 * The keyring file: `filePath`, else the environment's, else the default (an empty variable counts as unset).
 * @throws InvalidArgumentError for a `filePath` that is not a non-empty string.
 */
function filePathOf(options: BackendOptions, env: NodeJS.ProcessEnv): string {
  if (options.filePath !== undefined && (typeof options.filePath !== 'string' || options.filePath === '')) {
    throw new InvalidArgumentError(
      'filePath',
      `expected the path of a keyring file, got ${options.filePath === '' ? 'an empty string' : typeof options.filePath}; leave it out for ${FILE_PATH_ENV} or the default file.`,
    );
  }
  return options.filePath ?? (env[FILE_PATH_ENV] || defaultKeyringFilePath(env));
}

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
 * @throws InvalidArgumentError for an unknown backend name, a file backend without a password or with an empty
 *   `filePath`, or a file backend together with a connection or address.
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
    const path = filePathOf(options, env);
    return {
      kind: 'file',
      path,
      key: passwordKey(password),
      reason: `${why}: the keyring file ${path}`,
      ...inSandbox,
    };
  }
  if (name === 'secret-service') return { kind: 'secret-service', reason: `${why}`, ...inSandbox };
  if (sandbox) {
    const path = filePathOf(options, env);
    return {
      kind: 'file',
      path,
      key: { kind: 'portal' },
      reason:
        `this process runs in a ${sandbox === 'flatpak' ? 'Flatpak' : 'Snap'} sandbox (${sandbox === 'flatpak' ? '/.flatpak-info' : 'SNAP_NAME'}), ` +
        `where libsecret and oo7 use the sandbox's keyring file ${path} with its key from the Secret portal`,
      sandbox,
    };
  }
  return { kind: 'secret-service', reason: `no backend was asked for (${BACKEND_ENV} is not set)` };
}

/** A keyring file per path and key, kept so that its key (PBKDF2, deliberately slow) is derived once. */
const openFiles = new Map<string, KeyringFile>();
/** The portal's secret per keyring file: asked for once per process, as libsecret and oo7 do. */
const portalFiles = new Map<string, Promise<KeyringFile>>();

export type Backend =
  | { kind: 'secret-service'; choice: BackendChoice }
  | { kind: 'file'; choice: BackendChoice & { kind: 'file' }; file: KeyringFile };

async function fileWithPassword(path: string, password: string): Promise<KeyringFile> {
  const crypto = await loadNodeCrypto();
  const id = `${path}\0${crypto.createHash('sha256').update(password).digest('hex')}`;
  let file = openFiles.get(id);
  if (!file) {
    const { KeyringFile } = await import('../keyring-file/keyring-file.js');
    file = openFiles.get(id) ?? new KeyringFile(path, new TextEncoder().encode(password));
    openFiles.set(id, file);
  }
  return file;
}

/** The Secret portal's secret for this application, and the keyring file's class to open the file with it. */
async function portalSecretFor(env: NodeJS.ProcessEnv) {
  const [{ retrievePortalSecret }, { KeyringFile }] = await Promise.all([
    import('../keyring-file/portal-process.js'),
    import('../keyring-file/keyring-file.js'),
  ]);
  return { secret: await retrievePortalSecret({ env }), KeyringFile };
}

function fileFromPortal(path: string, env: NodeJS.ProcessEnv): Promise<KeyringFile> {
  let file = portalFiles.get(path);
  if (!file) {
    file = portalSecretFor(env).then(({ secret, KeyringFile }) => {
      try {
        return new KeyringFile(path, secret);
      } finally {
        wipe(secret);
      }
    });
    // A failure is not kept: the next operation asks again.
    file.catch(() => portalFiles.delete(path));
    portalFiles.set(path, file);
  }
  return file;
}

/**
 * The backend `options` select, ready to use (see {@link chooseBackend}). In a sandbox without a Secret portal, the
 * Secret Service, with the reason saying so.
 * @throws as {@link chooseBackend}; PromptDismissedException, TimeoutException or SecretStorageError when the portal
 *   refused or failed.
 */
export async function openBackend(options: BackendOptions = {}): Promise<Backend> {
  const choice = chooseBackend(options);
  if (choice.kind !== 'file') return { kind: 'secret-service', choice };
  if (choice.key.kind === 'password') {
    return { kind: 'file', choice, file: await fileWithPassword(choice.path, choice.key.password) };
  }
  try {
    return { kind: 'file', choice, file: await fileFromPortal(choice.path, options.env ?? process.env) };
  } catch (error) {
    const { PortalUnavailableError } = await import('../keyring-file/portal-secret.js');
    if (!(error instanceof PortalUnavailableError)) throw error;
    return {
      kind: 'secret-service',
      choice: {
        kind: 'secret-service',
        reason: `${choice.reason}, but ${error.message.replace(/^T/, 't').replace(/\.$/, '')}: oo7 then uses the Secret Service too`,
        ...(choice.sandbox ? { sandbox: choice.sandbox } : {}),
      },
    };
  }
}

/** Forgets the keyring files' passwords and keys kept by {@link openBackend}. */
export async function closeKeyringFiles(): Promise<void> {
  const files = [
    ...openFiles.values(),
    ...(await Promise.allSettled(portalFiles.values())).flatMap((settled) =>
      settled.status === 'fulfilled' ? [settled.value] : [],
    ),
  ];
  openFiles.clear();
  portalFiles.clear();
  await Promise.all(files.map((file) => file.close()));
}
