/**
 * A sandboxed application's keyring file, its key from the Secret portal, as libsecret and oo7 do it: the portal is
 * the project's mock (`startMockSecretPortal`) on a private dbus-daemon, since a real xdg-desktop-portal serves only
 * applications inside a sandbox and cannot run here. The file descriptor really crosses the bus (SCM_RIGHTS through
 * dbus-daemon). A Snap (`SNAP_NAME`) stands for the sandbox: libsecret treats it as it treats a Flatpak, and tests
 * cannot create `/.flatpak-info` on a shared machine (detectSandbox is checked against a folder of its own).
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeKeyringFiles, openBackend } from '../../src/backend/choose.js';
import { NoBackendError, PromptDismissedException, SecretStorageError } from '../../src/errors.js';
import { diagnose, getPassword, storePassword } from '../../src/keyring/index.js';
import { defaultKeyringFilePath, detectSandbox } from '../../src/keyring-file/location.js';
import { retrievePortalSecret } from '../../src/keyring-file/portal-process.js';
import { startMockSecretPortal, type MockSecretPortal } from '../../src/testing/mock-portal.js';
import { startPrivateBus, type PrivateBus } from '../../src/testing/private-bus.js';
import { finished, REPO_ROOT } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'secretstorage-portal-test-'));
let bus: PrivateBus;
let portal: MockSecretPortal;
// 64 printable bytes, so that secret-tool can be given the same secret as SECRET_FILE_TEST_PASSWORD.
const PORTAL_SECRET = 'portal-secret-'.padEnd(64, 'x');

beforeAll(async () => {
  bus = await startPrivateBus();
  portal = await startMockSecretPortal({ address: bus.address, secret: Buffer.from(PORTAL_SECRET) });
});
afterAll(async () => {
  await portal?.stop();
  await bus?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await closeKeyringFiles();
  portal.response = 0;
});

let counter = 0;
const sandboxEnv = () => ({
  HOME: dir,
  SNAP_NAME: 'test-app',
  DBUS_SESSION_BUS_ADDRESS: bus.address,
  XDG_DATA_HOME: join(dir, `data${++counter}`),
});

describe('the Secret portal (mock) through a real dbus-daemon', () => {
  it('RetrieveSecret passes a descriptor; the secret written into it comes back; cancel and absence are typed', async () => {
    const secret = await retrievePortalSecret({ address: bus.address });
    expect(Buffer.from(secret).toString()).toBe(PORTAL_SECRET);
    // Fewer than the 64 bytes libsecret reads: refused as libsecret refuses it (a weak key, a file it cannot open).
    for (const length of [0, 1, 63]) {
      portal.secret = new Uint8Array(length).fill(0x61);
      await expect(retrievePortalSecret({ address: bus.address })).rejects.toThrow(
        new RegExp(`wrote ${length} bytes where 64 were expected`),
      );
    }
    portal.secret = new Uint8Array(100).fill(0x62); // more: the first 64, as libsecret reads them
    expect(Buffer.from(await retrievePortalSecret({ address: bus.address })).toString()).toBe('b'.repeat(64));
    portal.secret = Buffer.from(PORTAL_SECRET);
    portal.response = 1;
    await expect(retrievePortalSecret({ address: bus.address })).rejects.toThrow(PromptDismissedException);
    const empty = await startPrivateBus();
    try {
      await expect(retrievePortalSecret({ address: empty.address })).rejects.toThrow(/no Secret portal/);
    } finally {
      await empty.stop();
    }
  });

  /** A GDBus portal on a bus of its own, `hostile` or not (see the script), while `use` runs. */
  async function withGdbusPortal(secret: string, mode: 'hostile' | 'plain', use: (address: string) => Promise<void>) {
    const other = await startPrivateBus();
    const script = fileURLToPath(new URL('../fixtures/gdbus-secret-portal.py', import.meta.url));
    const gdbus = spawn('/usr/bin/python3', [script, other.address, secret, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        gdbus.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve());
        gdbus.once('exit', (code) => reject(new Error(`the GDBus portal exited (${code})`)));
      });
      await use(other.address);
    } finally {
      gdbus.kill();
      await other.stop();
    }
  }

  it('a portal written with GDBus (GLib) receives the descriptor and its secret comes back', async () => {
    const fromGlib = 'from GLib '.padEnd(64, '-');
    await withGdbusPortal(fromGlib, 'plain', async (address) => {
      expect(Buffer.from(await retrievePortalSecret({ address })).toString()).toBe(fromGlib);
    });
  });

  it('a descriptor another client sends the asking connection (which aborts Node) ends the child, not this process', async () => {
    await withGdbusPortal('s'.repeat(64), 'hostile', async (address) => {
      const error = await retrievePortalSecret({ address }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretStorageError);
      expect((error as Error).message).toMatch(/was ended by SIGABRT \(another program on the session bus may/);
    });
    // This process is alive and asks again, of a portal that behaves.
    const secret = await retrievePortalSecret({ address: bus.address });
    expect(Buffer.from(secret).toString()).toBe(PORTAL_SECRET);
  });

  it('the built package asks from its child; bundled without the child script, it asks from its own process', async () => {
    const run = async (keyringModule: string) => {
      const script = `
        const { setPassword, getPassword } = await import(${JSON.stringify(keyringModule)});
        await setPassword('bundled', 'me', 'via the portal key');
        console.log(await getPassword('bundled', 'me'));`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, ...sandboxEnv() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return finished(child);
    };
    const before = portal.calls;
    const built = join(REPO_ROOT, 'dist', 'bundle');
    expect(await run(join(built, 'keyring', 'index.js'))).toMatchObject({ code: 0, stdout: 'via the portal key\n' });
    // As an application's bundler leaves it: the library's code, but no keyring-file/portal-child.js beside it.
    const copy = mkdtempSync(join(tmpdir(), 'bundled-'));
    try {
      cpSync(built, copy, { recursive: true });
      rmSync(join(copy, 'keyring-file', 'portal-child.js'));
      expect(await run(join(copy, 'keyring', 'index.js'))).toMatchObject({ code: 0, stdout: 'via the portal key\n' });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    expect(portal.calls).toBe(before + 2);
  });

  it('in a sandbox, the password API uses the sandbox keyring file with the portal key, asking the portal once', async () => {
    const env = sandboxEnv();
    const before = portal.calls;
    await storePassword('app', 'me', 'sandboxed ✓', { env });
    expect(await getPassword('app', 'me', { env })).toBe('sandboxed ✓');
    expect(portal.calls).toBe(before + 1);
    const path = defaultKeyringFilePath(env);
    expect(path).toBe(join(env.XDG_DATA_HOME, 'keyrings', 'default.keyring'));
    expect(existsSync(path)).toBe(true);
    // libsecret derives the file key from the portal's secret as from a password: secret-tool, given the same bytes,
    // reads the item.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        'secret-tool',
        ['lookup', 'service', 'app', 'username', 'me'],
        {
          env: {
            PATH: process.env.PATH,
            SECRET_BACKEND: 'file',
            SECRET_FILE_TEST_PATH: path,
            SECRET_FILE_TEST_PASSWORD: PORTAL_SECRET,
          },
        },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    expect(stdout).toBe('sandboxed ✓');
    const report = await diagnose({ env });
    expect(report.backend).toMatchObject({ kind: 'file', path, sandbox: 'snap' });
    expect(report.checks.find((check) => check.id === 'keyring-file')?.summary).toMatch(
      /opens with the Secret portal's key and holds 1 item/,
    );
  });

  it('a cancelled portal request fails the operation and creates no file', async () => {
    const env = sandboxEnv();
    portal.response = 1;
    await expect(storePassword('app', 'me', 'x', { env })).rejects.toThrow(PromptDismissedException);
    expect(existsSync(defaultKeyringFilePath(env))).toBe(false);
  });

  it('in a sandbox with no portal on the bus, the Secret Service is used (as oo7 falls back), and diagnose says why', async () => {
    const empty = await startPrivateBus();
    try {
      const env = { ...sandboxEnv(), DBUS_SESSION_BUS_ADDRESS: empty.address };
      const backend = await openBackend({ env });
      expect(backend.kind).toBe('secret-service');
      expect(backend.choice.reason).toMatch(/sandbox.*no Secret portal/);
      await expect(getPassword('app', 'me', { env })).rejects.toThrow(NoBackendError);
      const report = await diagnose({ env });
      expect(report.backend).toMatchObject({ kind: 'secret-service', sandbox: 'snap' });
    } finally {
      await empty.stop();
    }
  });

  it('SECRETSTORAGE_BACKEND=secret-service overrides the sandbox; a Flatpak is recognised by /.flatpak-info', async () => {
    const backend = await openBackend({ env: { ...sandboxEnv(), SECRETSTORAGE_BACKEND: 'secret-service' } });
    expect(backend.kind).toBe('secret-service');
    const root = join(dir, 'root');
    mkdirSync(root, { recursive: true });
    expect(detectSandbox({}, root)).toBeUndefined();
    writeFileSync(join(root, '.flatpak-info'), '[Application]\nname=org.example.App\n');
    expect(detectSandbox({}, root)).toBe('flatpak');
    expect(detectSandbox({ SNAP_NAME: 'x' }, join(dir, 'none'))).toBe('snap');
  });
});
