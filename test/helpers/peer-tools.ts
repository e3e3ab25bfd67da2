/**
 * Drivers for the other keyring clients the interop tests run against the same private gnome-keyring, each in its
 * own process with DBUS_SESSION_BUS_ADDRESS pointing at the private bus: Python keyring (SecretService backend),
 * Python SecretStorage, libsecret through Python gi with keytar's exact schema and calls, `secret-tool`, and
 * @napi-rs/keyring in a child Node process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with `input` on stdin; never rejects for a non-zero exit. */
export function run(program: string, args: string[], env: Record<string, string>, input = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      cwd: REPO,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function runJson(
  program: string,
  args: string[],
  env: Record<string, string>,
  input: string,
): Promise<unknown[]> {
  const result = await run(program, args, env, input);
  if (result.code !== 0) throw new Error(`${program} failed (${result.code}): ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as unknown[];
}

/** One operation of a Python client. `attributes` and `label` are for SecretStorage, which has no fixed format. */
export interface PythonCommand {
  tool: 'keyring' | 'secretstorage' | 'libsecret';
  op: 'get' | 'set' | 'delete' | 'find' | 'backend';
  service?: string;
  user?: string;
  password?: string;
  attributes?: Record<string, string>;
  label?: string;
}

const PYTHON_DRIVER = String.raw`
import json, sys
results = []
for cmd in json.loads(sys.stdin.read()):
    tool, op = cmd['tool'], cmd['op']
    s, u, p = cmd.get('service'), cmd.get('user'), cmd.get('password')
    if tool == 'keyring':
        import keyring, keyring.errors
        if op == 'backend':
            kr = keyring.get_keyring()
            results.append(type(kr).__module__ + '.' + type(kr).__name__)
        elif op == 'get':
            results.append(keyring.get_password(s, u))
        elif op == 'set':
            keyring.set_password(s, u, p)
            results.append(None)
        elif op == 'delete':
            try:
                keyring.delete_password(s, u)
                results.append(True)
            except keyring.errors.PasswordDeleteError:
                results.append(False)
    elif tool == 'secretstorage':
        import secretstorage
        conn = secretstorage.dbus_init()
        if op == 'get':
            items = [i for i in secretstorage.search_items(conn, cmd['attributes']) if not i.is_locked()]
            results.append(items[0].get_secret().decode() if items else None)
        elif op == 'set':
            collection = secretstorage.get_default_collection(conn)
            collection.create_item(cmd['label'], cmd['attributes'], p.encode(), replace=True)
            results.append(None)
        conn.close()
    elif tool == 'libsecret':
        # keytar 7.x on Linux, call for call (src/keytar_posix.cc): libsecret's generic schema with service and account.
        import gi
        gi.require_version('Secret', '1')
        from gi.repository import Secret
        schema = Secret.Schema.new('org.freedesktop.Secret.Generic', Secret.SchemaFlags.NONE,
            {'service': Secret.SchemaAttributeType.STRING, 'account': Secret.SchemaAttributeType.STRING})
        if op == 'get':
            results.append(Secret.password_lookup_sync(schema, {'service': s, 'account': u}, None))
        elif op == 'set':
            results.append(Secret.password_store_sync(schema, {'service': s, 'account': u}, Secret.COLLECTION_DEFAULT,
                s + '/' + u, p, None))
        elif op == 'delete':
            results.append(Secret.password_clear_sync(schema, {'service': s, 'account': u}, None))
        elif op == 'find':
            service = Secret.Service.get_sync(Secret.ServiceFlags.NONE, None)
            flags = Secret.SearchFlags.ALL | Secret.SearchFlags.UNLOCK | Secret.SearchFlags.LOAD_SECRETS
            items = service.search_sync(schema, {'service': s}, flags, None)
            results.append(sorted([[i.get_attributes()['account'], i.get_secret().get_text()] for i in items]))
print(json.dumps(results))
`;

/** Runs Python clients (in one /usr/bin/python3 process), Python keyring forced to its SecretService backend. */
export function python(address: string, commands: PythonCommand[]): Promise<unknown[]> {
  return runJson(
    '/usr/bin/python3',
    ['-c', PYTHON_DRIVER],
    { DBUS_SESSION_BUS_ADDRESS: address, PYTHON_KEYRING_BACKEND: 'keyring.backends.SecretService.Keyring' },
    JSON.stringify(commands),
  );
}

export interface NapiCommand {
  op: 'get' | 'set' | 'delete' | 'find';
  service: string;
  user?: string;
  password?: string;
}

const NAPI_DRIVER = `
const { Entry, findCredentials } = require('@napi-rs/keyring');
const pin = { linux: { store: 'secret-service' } };
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const out = [];
  for (const c of JSON.parse(input)) {
    const entry = c.user === undefined ? undefined : new Entry(c.service, c.user, pin);
    if (c.op === 'get') out.push(entry.getPassword());
    else if (c.op === 'set') { entry.setPassword(c.password); out.push(null); }
    else if (c.op === 'delete') out.push(entry.deletePassword());
    else if (c.op === 'find') out.push(findCredentials(c.service).map((x) => [x.account, x.password]).sort());
  }
  console.log(JSON.stringify(out));
});
`;

/** Runs @napi-rs/keyring 2.x (pinned to the Secret Service store, no keyutils fallback) in a child Node process. */
export function napi(address: string, commands: NapiCommand[]): Promise<unknown[]> {
  return runJson(
    process.execPath,
    ['-e', NAPI_DRIVER],
    { DBUS_SESSION_BUS_ADDRESS: address },
    JSON.stringify(commands),
  );
}

function attributeArgs(attributes: Record<string, string>): string[] {
  return Object.entries(attributes).flat();
}

/** `secret-tool` (libsecret-tools): store (password on stdin, no newline), lookup (null when not found), clear. */
export const secretTool = {
  async store(address: string, label: string, attributes: Record<string, string>, password: string): Promise<void> {
    const result = await run(
      'secret-tool',
      ['store', `--label=${label}`, ...attributeArgs(attributes)],
      { DBUS_SESSION_BUS_ADDRESS: address },
      password,
    );
    if (result.code !== 0) throw new Error(`secret-tool store failed (${result.code}): ${result.stderr.trim()}`);
  },
  async lookup(address: string, attributes: Record<string, string>): Promise<string | null> {
    const result = await run('secret-tool', ['lookup', ...attributeArgs(attributes)], {
      DBUS_SESSION_BUS_ADDRESS: address,
    });
    if (result.code === 1 && result.stdout === '') return null;
    if (result.code !== 0) throw new Error(`secret-tool lookup failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  },
};
