/**
 * `diagnose()`: why the keyring does or does not work here, step by step (bus address, bus, service owner or
 * activation, transfer algorithm, default collection, lock states, prompts), each problem with its fix. It reports
 * instead of throwing, because every failure is an answer.
 */
import { join } from 'node:path';
import type { Connection } from '../connection.js';
import { dbusInit } from '../dbus-init.js';
import { runtimeBusAddress } from '../dbus/address.js';
import { ALGORITHM_DH, SECRETS_BUS_NAME } from '../defines.js';
import { openBackend, type BackendOptions } from '../backend/choose.js';
import { FILE_BACKEND_HINT } from '../defines.js';
import { KeyringFileError, NoBackendError, TimeoutException } from '../errors.js';
import { defaultCollectionPath, getAllCollections } from '../service.js';
import { hasGraphicalSession, unlockHint } from '../unlock-for-use.js';
import { gatherFindings, programOf } from './server-findings.js';
import {
  identifyServer,
  lockedAdvice,
  noCollectionAdvice,
  restartAdvice,
  transferAdvice,
  type ServerFindings,
  type ServerIdentity,
} from './server-identity.js';

export type CheckStatus = 'ok' | 'info' | 'warning' | 'problem';

export interface DiagnosisCheck {
  /**
   * What was checked: `bus-address`, `bus`, `service`, `transfer`, `collections`, `default-collection`, `server`,
   * `prompts`.
   */
  id: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  summary: string;
  /** For a problem or warning: what to do. */
  fix?: string;
}

/** `ok`: works; `no-bus`, `no-service`: nothing to talk to; `locked`: the default collection is locked; `incomplete`: other problems. */
export type Verdict = 'ok' | 'no-bus' | 'no-service' | 'locked' | 'incomplete';

export interface CollectionState {
  path: string;
  label: string;
  locked: boolean;
  isDefault: boolean;
}

export interface Diagnosis {
  verdict: Verdict;
  /** The backend the password API, keytar drop-in, user-secrets and CLI would use here, and why. */
  backend?: { kind: 'secret-service' | 'file'; reason: string; path?: string; sandbox?: 'flatpak' | 'snap' };
  busAddress?: string;
  /** Where the address came from: `DBUS_SESSION_BUS_ADDRESS`, `$XDG_RUNTIME_DIR/bus` or `option`. */
  busAddressSource?: string;
  serviceName: string;
  /** The unique name owning the service, and the program behind it when the bus tells its process id. */
  serviceOwner?: string;
  serviceProgram?: string;
  serviceActivatable?: boolean;
  /** Which server it is (gnome-keyring, KWallet, KeePassXC, oo7-daemon) and what tells it, when it was reached. */
  server?: ServerIdentity;
  /** The transfer algorithm the service negotiated with this client. */
  algorithm?: string;
  defaultCollection?: CollectionState;
  collections?: CollectionState[];
  graphicalSession: boolean;
  checks: DiagnosisCheck[];
}

export interface DiagnoseOptions extends Pick<BackendOptions, 'backend' | 'filePath' | 'filePassword'> {
  /** Diagnose this bus instead of the session bus. */
  address?: string;
  /** The environment to read bus variables from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds each call may take (default 5000): a hung service is a finding, not a hang. */
  callTimeoutMs?: number;
}

const START_HEADLESS =
  'In a container, over SSH or in CI run the command under `dbus-run-session -- sh -c \'printf %s "$PASSWORD" | ' +
  "gnome-keyring-daemon --unlock --components=secrets; <command>'`, or use " +
  '`npx -p secretstorage secretstorage headless -- <command>`, ' +
  `which starts a throwaway bus and keyring. ${FILE_BACKEND_HINT}`;

function findAddress(options: DiagnoseOptions, env: NodeJS.ProcessEnv, report: Diagnosis): string | undefined {
  if (options.address) {
    report.busAddressSource = 'option';
    return options.address;
  }
  const fromEnv = env.DBUS_SESSION_BUS_ADDRESS?.trim();
  if (fromEnv) {
    report.busAddressSource = 'DBUS_SESSION_BUS_ADDRESS';
    return fromEnv;
  }
  const runtimeBus = runtimeBusAddress(env);
  if (runtimeBus) report.busAddressSource = '$XDG_RUNTIME_DIR/bus';
  return runtimeBus;
}

function add(report: Diagnosis, check: DiagnosisCheck): void {
  report.checks.push(check);
}

async function checkService(connection: Connection, report: Diagnosis, findings: ServerFindings): Promise<boolean> {
  const name = report.serviceName;
  const owned = (await connection.callBus('NameHasOwner', 's', [name])) as boolean;
  const activatable = ((await connection.callBus('ListActivatableNames')) as string[]).includes(name);
  report.serviceActivatable = activatable;
  if (owned) {
    report.serviceOwner = (await connection.callBus('GetNameOwner', 's', [name])) as string;
    const owner = await programOf(connection, report.serviceOwner);
    report.serviceProgram = owner ? `${owner.name}, pid ${owner.pid}` : undefined;
    const program = report.serviceProgram ? ` (${report.serviceProgram})` : '';
    add(report, { id: 'service', status: 'ok', summary: `${name} is owned by ${report.serviceOwner}${program}.` });
    Object.assign(findings, await gatherFindings(connection, report.serviceOwner, owner?.name));
    report.server = identifyServer(findings);
    return true;
  }
  if (activatable) {
    add(report, {
      id: 'service',
      status: 'info',
      summary: `${name} is not running, but the bus can start it (D-Bus activation); the next checks start it.`,
    });
    return true;
  }
  report.verdict = 'no-service';
  add(report, {
    id: 'service',
    status: 'problem',
    summary: `Nothing owns ${name} on this bus, and no D-Bus service file can start it.`,
    fix:
      'Install and start a Secret Service: gnome-keyring (`sudo apt-get install gnome-keyring`, then ' +
      '`gnome-keyring-daemon --start --components=secrets`), KeePassXC with its Secret Service integration enabled, ' +
      `KWallet 5.97+ or oo7-daemon. ${START_HEADLESS}`,
  });
  return false;
}

async function checkTransfer(connection: Connection, report: Diagnosis): Promise<void> {
  const { algorithm } = await connection.session();
  report.algorithm = algorithm;
  if (algorithm === ALGORITHM_DH) {
    add(report, { id: 'transfer', status: 'ok', summary: `Secrets are transferred encrypted (${algorithm}).` });
  } else {
    add(report, {
      id: 'transfer',
      status: 'warning',
      summary: `The service negotiated "${algorithm}": secrets cross the bus unencrypted.`,
      fix: `Use a service that supports ${ALGORITHM_DH} (gnome-keyring, KeePassXC, KWallet, oo7 all do).`,
    });
  }
}

async function checkCollections(connection: Connection, report: Diagnosis, findings: ServerFindings): Promise<void> {
  const defaultPath = await defaultCollectionPath(connection);
  const collections = await getAllCollections(connection);
  findings.collectionPaths = collections.map((collection) => collection.collectionPath);
  report.server = identifyServer(findings);
  const kind = report.server.kind;
  report.collections = await Promise.all(
    collections.map(async (collection): Promise<CollectionState> => {
      const path = collection.collectionPath;
      const [label, locked] = await Promise.all([collection.getLabel(), collection.isLocked()]);
      return { path, label, locked, isDefault: path === defaultPath };
    }),
  );
  report.defaultCollection = report.collections.find((collection) => collection.isDefault);
  const listing = report.collections
    .map((c) => `"${c.label}" (${c.path}) ${c.locked ? 'locked' : 'unlocked'}${c.isDefault ? ', default' : ''}`)
    .join('; ');
  add(report, {
    id: 'collections',
    status: 'info',
    summary: report.collections.length ? `Collections: ${listing}.` : 'The service has no collections.',
  });
  const def = report.defaultCollection;
  if (!def) {
    report.verdict = 'incomplete';
    add(report, {
      id: 'default-collection',
      status: 'problem',
      summary:
        'No collection has the "default" alias: reads still search every collection, but keytar, Python keyring and ' +
        'this library store new passwords there and would have to create it through a prompt.',
      fix:
        (report.collections.length === 0 ? noCollectionAdvice(kind) : undefined) ??
        'On a desktop, create a keyring in Passwords and Keys (Seahorse) and make it the default. Headless, start ' +
          'gnome-keyring with `--unlock` and a password on stdin, which creates the "login" collection and makes it ' +
          'the default.',
    });
  } else if (def.locked) {
    report.verdict = 'locked';
    add(report, {
      id: 'default-collection',
      status: 'problem',
      summary: `The default collection "${def.label}" (${def.path}) is locked: reading and storing passwords needs an unlock prompt.`,
      fix:
        lockedAdvice(kind) ??
        `On a desktop, \`secretstorage unlock\` shows the keyring's prompt. ${unlockHint([def.path])}`,
    });
  } else {
    add(report, {
      id: 'default-collection',
      status: 'ok',
      summary: `The default collection is "${def.label}" (${def.path}), unlocked.`,
    });
  }
}

function checkServer(report: Diagnosis, findings: ServerFindings): void {
  const server = report.server;
  if (!server) return;
  if (server.kind === 'unknown') {
    const seen = findings.program ? `its program is ${findings.program}` : 'the bus does not tell its program';
    add(report, {
      id: 'server',
      status: 'info',
      summary: `Could not tell which Secret Service server this is (${seen}).`,
    });
    return;
  }
  add(report, {
    id: 'server',
    status: 'info',
    summary: `The server is ${server.name} (${server.evidence.join('; ')}).`,
  });
}

function checkPrompts(report: Diagnosis): void {
  if (report.graphicalSession) {
    add(report, {
      id: 'prompts',
      status: 'ok',
      summary: 'A graphical session is present, so the keyring can show its prompts.',
    });
    return;
  }
  const locked = (report.collections ?? [])
    .filter((collection) => collection.locked)
    .map((collection) => collection.path);
  add(report, {
    id: 'prompts',
    status: locked.length ? 'warning' : 'info',
    summary:
      'No graphical session (DISPLAY and WAYLAND_DISPLAY are unset): the keyring cannot show unlock or create prompts ' +
      'here, and gnome-keyring dismisses them at once.',
    ...(locked.length ? { fix: unlockHint(locked) } : {}),
  });
}

/**
 * Which backend would be used and why; for a keyring file, whether it opens with its password, how many items it
 * holds and who may read it. True when the file backend was chosen (the bus checks are then beside the point).
 */
async function checkBackend(options: DiagnoseOptions, env: NodeJS.ProcessEnv, report: Diagnosis): Promise<boolean> {
  let backend;
  try {
    backend = await openBackend({ ...options, env });
  } catch (error) {
    report.verdict = 'incomplete';
    add(report, { id: 'backend', status: 'problem', summary: (error as Error).message });
    return true;
  }
  const { choice } = backend;
  report.backend = {
    kind: choice.kind,
    reason: choice.reason,
    ...(choice.kind === 'file' ? { path: choice.path } : {}),
    ...(choice.sandbox ? { sandbox: choice.sandbox } : {}),
  };
  if (backend.kind !== 'file') {
    add(report, { id: 'backend', status: 'info', summary: `Backend: the Secret Service, because ${choice.reason}.` });
    return false;
  }
  const { path } = backend.choice;
  const key = backend.choice.key.kind === 'portal' ? "the Secret portal's key" : 'the password given';
  add(report, { id: 'backend', status: 'ok', summary: `Backend: a keyring file, because ${choice.reason}.` });
  try {
    const { exists, items, mode } = await backend.file.inspect();
    if (!exists) {
      add(report, {
        id: 'keyring-file',
        status: 'info',
        summary: `${path} does not exist yet; the first password stored creates it (mode 0600).`,
      });
    } else {
      add(report, {
        id: 'keyring-file',
        status: 'ok',
        summary: `${path} opens with ${key} and holds ${items} item${items === 1 ? '' : 's'}.`,
      });
      if (mode !== undefined && (mode & 0o077) !== 0) {
        add(report, {
          id: 'keyring-file-mode',
          status: 'warning',
          summary: `${path} has mode 0${mode.toString(8)}: other users may copy it and try passwords on it.`,
          fix: `chmod 600 ${path}`,
        });
      }
    }
  } catch (error) {
    if (!(error instanceof KeyringFileError)) throw error;
    report.verdict = 'incomplete';
    add(report, { id: 'keyring-file', status: 'problem', summary: error.message });
  }
  return true;
}

/** Diagnoses the Secret Service setup of this process (or of `options.address`). Never throws for a failed check. */
export async function diagnose(options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const env = options.env ?? process.env;
  const report: Diagnosis = {
    verdict: 'ok',
    serviceName: env.SECRET_SERVICE_BUS_NAME || SECRETS_BUS_NAME,
    graphicalSession: hasGraphicalSession(env),
    checks: [],
  };
  if (await checkBackend(options, env, report)) return report;
  const address = findAddress(options, env, report);
  if (!address) {
    report.verdict = 'no-bus';
    const runtime = env.XDG_RUNTIME_DIR
      ? `${join(env.XDG_RUNTIME_DIR, 'bus')} is not a socket of this user's`
      : 'XDG_RUNTIME_DIR is not set either';
    add(report, {
      id: 'bus-address',
      status: 'problem',
      summary: `No session bus address: DBUS_SESSION_BUS_ADDRESS is not set and ${runtime}.`,
      fix:
        'Log in through a session that starts the user bus (systemd: `systemctl --user start dbus.socket`, then use ' +
        `$XDG_RUNTIME_DIR/bus), or export the address of a running bus. ${START_HEADLESS}`,
    });
    checkPrompts(report);
    return report;
  }
  report.busAddress = address;
  add(report, {
    id: 'bus-address',
    status: 'ok',
    summary: `Session bus address ${address} (from ${report.busAddressSource}).`,
  });
  let connection: Connection;
  try {
    connection = await dbusInit({
      address,
      serviceName: report.serviceName,
      callTimeoutMs: options.callTimeoutMs ?? 5000,
    });
  } catch (error) {
    report.verdict = 'no-bus';
    add(report, {
      id: 'bus',
      status: 'problem',
      summary: `Cannot connect to the bus: ${(error as Error).message}`,
      fix:
        `The address (from ${report.busAddressSource}) points to no running bus: it may be left over from another ` +
        `session. Unset it or point it at a running bus. ${START_HEADLESS}`,
    });
    checkPrompts(report);
    return report;
  }
  const findings: ServerFindings = {};
  try {
    add(report, { id: 'bus', status: 'ok', summary: `Connected to the bus as ${connection.uniqueName}.` });
    if (await checkService(connection, report, findings)) {
      await checkTransfer(connection, report);
      await checkCollections(connection, report, findings);
    }
  } catch (error) {
    // A name owner that never answers is no working Secret Service either: "it answers, but" would be wrong.
    const noAnswer = error instanceof NoBackendError || error instanceof TimeoutException;
    if (report.verdict === 'ok') report.verdict = noAnswer ? 'no-service' : 'incomplete';
    const failedActivation = report.serviceOwner === undefined && report.serviceActivatable;
    add(report, {
      id: 'service',
      status: 'problem',
      summary: failedActivation
        ? `The bus could not start ${report.serviceName}: ${(error as Error).message}`
        : `The Secret Service failed to answer: ${(error as Error).message}`,
      fix: failedActivation
        ? `Run the Exec= program of its D-Bus service file by hand to see why it fails (\`grep -rl ${report.serviceName} ` +
          `/usr/share/dbus-1/services\`), or start a Secret Service yourself. ${START_HEADLESS}`
        : (transferAdvice(report.server?.kind ?? 'unknown', (error as Error).message) ??
          restartAdvice(report.server?.kind ?? 'unknown')),
    });
  } finally {
    await connection.close();
  }
  checkServer(report, findings);
  checkPrompts(report);
  return report;
}
