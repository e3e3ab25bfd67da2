/**
 * A real KeePassXC serving the Secret Service on a given bus and X display, with its own HOME and XDG directories.
 * KeePassXC exports no collection until a group of its database is exposed to the Secret Service, a setting kept in
 * the database itself: the database is made by importing an XML file that carries it
 * (`FDO_SECRETS_EXPOSED_GROUP` in the Meta custom data), then opened with the password on stdin.
 */
import { randomUUID } from 'node:crypto';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dbusInit } from '../dbus-init.js';
import { SECRETS_BUS_NAME } from '../defines.js';
import { InvalidArgumentError, NoBackendError } from '../errors.js';
import { getDefaultCollection } from '../service.js';
import { runProgram, spawnDaemon, waitUntil } from './daemon.js';
import { DEFAULT_KEYRING_PASSWORD, waitForName } from './gnome-keyring.js';
import { stopProcess } from './private-bus.js';
import { providerHome, type ProviderStartOptions, type RunningProvider } from './provider.js';

/** The database's file name; KeePassXC names the collection after it (`/org/freedesktop/secrets/collection/passwords`). */
export const KEEPASSXC_DATABASE = 'passwords.kdbx';

export interface KeePassXCOptions extends ProviderStartOptions {
  /** The X display KeePassXC's window and dialogs go to (see startXvfb). */
  display: string;
  /** The database password, as text: KeePassXC's command line reads it from stdin. */
  password?: string;
}

export interface KeePassXC extends RunningProvider {
  /** The database file. */
  databasePath: string;
}

// The settings a headless run needs: the Secret Service on, without notifications or confirmations (no dialog for
// reading or deleting an item), no idle locking, no update check, and a second instance allowed (one per test file).
const SETTINGS = `[General]
SingleInstance=false
ConfigVersion=2
[GUI]
CheckForUpdates=false
ShowTrayIcon=false
[Security]
LockDatabaseIdle=false
[FdoSecrets]
Enabled=true
ShowNotification=false
ConfirmDeleteItem=false
ConfirmAccessItem=false
UnlockBeforeSearch=true
`;

/**
 * A database of one empty root group, exposed to the Secret Service, as KeePass XML (UUIDs base64 in the file). No
 * recycle bin: a deleted item would otherwise move into a Recycle Bin group inside the exposed group, and KeePassXC
 * 2.7.4 has crashed on searches right after deletes (keepassxc#8560 shows a search meeting a vanished item).
 */
function exposedDatabaseXml(): string {
  const uuid = randomUUID();
  const base64 = Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile><Meta><Generator>secretstorage</Generator><DatabaseName>Passwords</DatabaseName><RecycleBinEnabled>False</RecycleBinEnabled><CustomData><Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>{${uuid}}</Value></Item></CustomData></Meta><Root><Group><UUID>${base64}</UUID><Name>Passwords</Name></Group></Root></KeePassFile>
`;
}

/**
 * Starts KeePassXC with a database whose root group is exposed to the Secret Service (created when `dataDir` has
 * none) and waits until it serves that collection unlocked.
 * @throws InvalidArgumentError for an empty password or one with a line break (it goes on stdin as one line);
 *   NoBackendError naming the package when keepassxc is missing, or with its output when it fails to start or does
 *   not unlock the database in time (a wrong password for a kept database, for one).
 */
export async function startKeePassXC(options: KeePassXCOptions): Promise<KeePassXC> {
  const password = options.password ?? DEFAULT_KEYRING_PASSWORD;
  if (password.length === 0 || /[\r\n]/.test(password)) {
    throw new InvalidArgumentError('password', 'must be one non-empty line: KeePassXC reads it from stdin.');
  }
  const own = await providerHome(options.dataDir, 'secretstorage-keepassxc');
  const home = own.home;
  const env: Record<string, string> = {
    ...own.env,
    DISPLAY: options.display,
    DBUS_SESSION_BUS_ADDRESS: options.address,
  };
  const databasePath = join(home, KEEPASSXC_DATABASE);
  let daemon: ReturnType<typeof spawnDaemon> | undefined;
  const stop = async () => {
    if (daemon) await stopProcess(daemon.process);
    await own.remove();
  };
  try {
    await mkdir(join(env.XDG_CONFIG_HOME, 'keepassxc'), { recursive: true });
    await writeFile(join(env.XDG_CONFIG_HOME, 'keepassxc', 'keepassxc.ini'), SETTINGS);
    if (!(await exists(databasePath))) {
      const xml = join(home, 'exposed.xml');
      await writeFile(xml, exposedDatabaseXml());
      // 100 ms of key derivation is the least keepassxc-cli accepts; each open costs that much again.
      await runProgram(
        'keepassxc-cli',
        ['import', '-q', '-p', '-t', '100', xml, databasePath],
        env,
        `${password}\n${password}\n`,
      );
      await rm(xml);
    }
    daemon = spawnDaemon('keepassxc', ['--pw-stdin', databasePath], env, { onSpawn: options.onSpawn });
    daemon.process.stdin!.end(`${password}\n`);
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    await waitForName(options.address, SECRETS_BUS_NAME, timeoutMs, daemon.failure);
    // It owns the name a moment before the database is open: ready when the default collection is unlocked.
    await waitUntil(
      deadline,
      daemon.failure,
      () => defaultCollectionUnlocked(options.address),
      () =>
        `KeePassXC did not unlock ${databasePath} within ${timeoutMs} ms (a wrong password for a kept database?). ` +
        `Its output: ${daemon!.output().trim() || '(none)'}`,
    );
  } catch (error) {
    const failure = daemon?.failure();
    await stop();
    throw failure && !(error instanceof NoBackendError) ? new NoBackendError(failure) : error;
  }
  return { process: daemon.process, env, databasePath, output: daemon.output, stop };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Whether the service on `address` has a default collection and it is unlocked (false on any error). */
export async function defaultCollectionUnlocked(address: string): Promise<boolean> {
  const conn = await dbusInit({ address, serviceName: SECRETS_BUS_NAME });
  try {
    return !(await getDefaultCollection(conn).isLocked());
  } catch {
    return false;
  } finally {
    await conn.close();
  }
}
