import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findAssignments, upsertAssignment } from '../../src/user-secrets/env-file.js';
import { withEnvFileLock as withFileLock } from '../../src/user-secrets/project-id.js';
import {
  initProjectId,
  normaliseProjectId,
  readProjectId,
  requireProjectId,
} from '../../src/user-secrets/project-id.js';
import {
  InvalidProjectIdError,
  ProjectNotInitialisedError,
  SecretsFormatError,
  UserSecretsError,
} from '../../src/user-secrets/errors.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { flattenDotnetJson } from '../../src/user-secrets/dotnet-json.js';
import { assertValidKey, environmentName, isValidKey } from '../../src/user-secrets/keys.js';

const ID = '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b';

describe('.env assignment edits', () => {
  it('replaces the id line in place and keeps comments, blank lines, order, export and CRLF', () => {
    const text = '# config\r\n\r\nexport ENV_SECRETS_ID=old # note\r\nDEBUG=1\r\n';
    expect(upsertAssignment(text, 'ENV_SECRETS_ID', ID)).toBe(
      `# config\r\n\r\nexport ENV_SECRETS_ID=${ID}\r\nDEBUG=1\r\n`,
    );
  });

  it('appends with the file’s own line ending, after a last line without one', () => {
    expect(upsertAssignment('A=1\r\nB=2', 'ENV_SECRETS_ID', ID)).toBe(`A=1\r\nB=2\r\nENV_SECRETS_ID=${ID}\r\n`);
    expect(upsertAssignment('A=1\n', 'ENV_SECRETS_ID', ID)).toBe(`A=1\nENV_SECRETS_ID=${ID}\n`);
    expect(upsertAssignment('', 'ENV_SECRETS_ID', ID)).toBe(`ENV_SECRETS_ID=${ID}\n`);
  });

  it('reads quoted, exported and commented values; the last assignment wins', () => {
    const found = findAssignments(`ENV_SECRETS_ID=first\n export  ENV_SECRETS_ID = "${ID}" # c\nUSER_SECRETS_ID='x'`, [
      'ENV_SECRETS_ID',
      'USER_SECRETS_ID',
    ]);
    expect(Object.fromEntries(found)).toEqual({ ENV_SECRETS_ID: ID, USER_SECRETS_ID: 'x' });
  });
});

describe('the project id in .env', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'us-project-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates .env (0600) with a new UUID on first use, then keeps it', async () => {
    const first = await initProjectId(dir);
    expect(first).toMatchObject({ key: 'ENV_SECRETS_ID', written: true });
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`ENV_SECRETS_ID=${first.id}\n`);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    const second = await initProjectId(dir);
    expect(second).toMatchObject({ id: first.id, written: false });
  });

  it('adds the id to an existing .env without touching any other byte, keeping its mode', async () => {
    const original = '# keep me\r\n\r\nAPI_URL="https://x"  # trailing\r\nexport NAME=value';
    writeFileSync(join(dir, '.env'), original);
    chmodSync(join(dir, '.env'), 0o640);
    const { id } = await initProjectId(dir);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`${original}\r\nENV_SECRETS_ID=${id}\r\n`);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it('edits the file a symlinked .env points to', async () => {
    writeFileSync(join(dir, 'real.env'), 'A=1\n');
    symlinkSync('real.env', join(dir, '.env'));
    const { id } = await initProjectId(dir);
    expect(readFileSync(join(dir, 'real.env'), 'utf8')).toBe(`A=1\nENV_SECRETS_ID=${id}\n`);
  });

  it('accepts the older USER_SECRETS_ID, lower-cases ids, and refuses two different ids', async () => {
    writeFileSync(join(dir, '.env'), `USER_SECRETS_ID=${ID.toUpperCase()}\n`);
    expect(await readProjectId(dir)).toMatchObject({ id: ID, key: 'USER_SECRETS_ID' });
    writeFileSync(join(dir, '.env'), `USER_SECRETS_ID=${ID}\nENV_SECRETS_ID=${ID}\n`);
    expect(await readProjectId(dir)).toMatchObject({ id: ID, key: 'ENV_SECRETS_ID' });
    writeFileSync(join(dir, '.env'), `USER_SECRETS_ID=${ID}\nENV_SECRETS_ID=0f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b\n`);
    await expect(readProjectId(dir)).rejects.toThrow(/two different project ids/);
  });

  it('refuses an id that is not a UUID (python-env-secrets would let ../.. escape its folder)', async () => {
    for (const bad of ['../../etc', 'abc', `${ID}x`, `${ID}/..`, '']) {
      writeFileSync(join(dir, '.env'), `ENV_SECRETS_ID=${bad}\n`);
      const error = await readProjectId(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidProjectIdError);
      expect((error as Error).message).toMatch(/is not a UUID .*Fix or remove that line/);
    }
    // An id given as an option has no line to fix.
    expect(() => normaliseProjectId('../../etc', '--id')).toThrow(/from --id is not a UUID .*Pass the project's UUID/);
    await expect(initProjectId(dir)).rejects.toBeInstanceOf(InvalidProjectIdError);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('ENV_SECRETS_ID=\n');
  });

  it('says how to initialise when .env or the id is missing', async () => {
    await expect(requireProjectId(dir)).rejects.toThrow(/There is no .*\.env.*user-secrets init/);
    writeFileSync(join(dir, '.env'), 'A=1\n');
    await expect(requireProjectId(dir)).rejects.toBeInstanceOf(ProjectNotInitialisedError);
  });

  it('replaces an id only when asked to, and refuses a missing directory', async () => {
    writeFileSync(join(dir, '.env'), `ENV_SECRETS_ID=${ID}\n`);
    const other = '0f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b';
    await expect(initProjectId(dir, { id: other })).rejects.toThrow(/--force/);
    expect(await initProjectId(dir, { id: other, replace: true })).toMatchObject({
      id: other,
      previousId: ID,
      written: true,
    });
    await expect(initProjectId(join(dir, 'nope'))).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('initialising at once from many callers gives them all the one id that ends up in .env', async () => {
    writeFileSync(join(dir, '.env'), 'KEEP=1\n');
    const results = await Promise.all(Array.from({ length: 8 }, () => initProjectId(dir)));
    const onDisk = findAssignments(readFileSync(join(dir, '.env'), 'utf8'), ['ENV_SECRETS_ID', 'KEEP']);
    expect(new Set(results.map((result) => result.id))).toEqual(new Set([onDisk.get('ENV_SECRETS_ID')]));
    expect(results.filter((result) => result.written)).toHaveLength(1);
    expect(onDisk.get('KEEP')).toBe('1');
    expect(readdirSync(dir)).toEqual(['.env']); // no lock left behind
  });

  it('takes over a lock left by a process that is gone; waits for a live one, then says who to ask', async () => {
    const envFile = join(dir, '.env');
    const gone = execFileSync(process.execPath, ['-p', 'process.pid']).toString().trim();
    writeFileSync(`${envFile}.lock`, `${gone} ${hostname()}\n`);
    expect((await initProjectId(dir)).written).toBe(true);
    expect(readdirSync(dir)).toEqual(['.env']);
    writeFileSync(`${envFile}.lock`, `${process.pid} ${hostname()}\n`);
    const error = await withFileLock(envFile, async () => 'ran', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserSecretsError);
    expect((error as Error).message).toMatch(/Another process is changing .*\.env \(it holds .*\.env\.lock\)/);
    rmSync(`${envFile}.lock`);
    expect(await withFileLock(envFile, async () => 'ran')).toBe('ran');
  });

  it('locks beside the file a symlinked .env leads to, which is the one rewritten', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'us-env-target-'));
    try {
      writeFileSync(join(elsewhere, 'shared.env'), 'A=1\n');
      symlinkSync(join(elsewhere, 'shared.env'), join(dir, '.env'));
      let seen: string[] = [];
      await withFileLock(join(dir, '.env'), async () => {
        seen = readdirSync(elsewhere);
      });
      expect(seen.sort()).toEqual(['shared.env', 'shared.env.lock']);
      expect(readdirSync(dir)).toEqual(['.env']);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('leaves the old .env in place, and no temporary file, when it cannot be written', async () => {
    writeFileSync(join(dir, '.env'), 'A=1\n');
    chmodSync(dir, 0o500);
    try {
      if (process.getuid?.() === 0) {
        // root's capabilities override directory modes: try in a child process that has none.
        const script = join(tmpdir(), `us-init-${process.pid}.mts`);
        writeFileSync(
          script,
          `import { initProjectId } from ${JSON.stringify(join(process.cwd(), 'src/user-secrets/project-id.ts'))};\n` +
            'await initProjectId(process.argv[2]).then(() => console.log("written"), (e) => console.log(e.name, e.message));\n',
        );
        try {
          const output = execFileSync('setpriv', [
            '--bounding-set=-all',
            '--inh-caps=-all',
            process.execPath,
            '--import',
            'tsx',
            script,
            dir,
          ]).toString();
          expect(output).toMatch(
            /UserSecretsError Cannot change .*\.env \(EACCES creating .*\.env\.lock\); it was left/,
          );
        } finally {
          rmSync(script);
        }
      } else {
        await expect(initProjectId(dir)).rejects.toThrow(/it was left as it was/);
      }
    } finally {
      chmodSync(dir, 0o700);
    }
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('A=1\n');
    expect(readdirSync(dir)).toEqual(['.env']);
  });
});

describe('dotnet JSON flattening', () => {
  it('flattens nested objects and arrays with ":" and keeps number text exactly', () => {
    const { entries, nulls } = flattenDotnetJson(`{
      // comment
      "Movies": { "ServiceApiKey": "12345", "Ports": [80, 81,], },
      "Big": 12345678901234567890, "Price": 1.50, "Flag": true, "Off": false, "Gone": null,
      /* block */ "Uni": "ключ \\u00e9 🔑", "Empty": {}
    }`);
    expect(Object.fromEntries(entries)).toEqual({
      'Movies:ServiceApiKey': '12345',
      'Movies:Ports:0': '80',
      'Movies:Ports:1': '81',
      Big: '12345678901234567890',
      Price: '1.50',
      Flag: 'True',
      Off: 'False',
      Uni: 'ключ é 🔑',
    });
    expect(nulls).toEqual(['Gone']);
  });

  it('refuses bad JSON with a position and no content, a non-object root and case-insensitive duplicates', () => {
    const error = (() => {
      try {
        flattenDotnetJson('{"A": "s3cr3t" "B": 1}');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(SecretsFormatError);
    expect(error?.message).toMatch(/line 1, column 16/);
    expect(error?.message).not.toMatch(/s3cr3t/);
    expect(() => flattenDotnetJson('[1]')).toThrow(/must be a JSON object/);
    expect(() => flattenDotnetJson('{"a": {"b": 1}, "A": {"B": 2}}')).toThrow(/twice/);
  });
});

describe('keys', () => {
  it('accepts environment names and dotnet sections, maps ":" to "__"', () => {
    for (const key of ['API_KEY', '_x', 'a.b-c', 'Movies:ServiceApiKey', 'Arr:0']) expect(isValidKey(key)).toBe(true);
    for (const key of ['', '1X', 'A=B', 'A B', 'A:', ':A', '#A', 'A\n', 'ключ']) expect(isValidKey(key)).toBe(false);
    expect(() => assertValidKey('A B')).toThrow(/Invalid key "A B": a key starts with a letter/);
    // KEY=value given as a key: what follows "=" may be the secret, so neither the message nor the error shows it.
    const error = (() => {
      try {
        assertValidKey('TOKEN=s3cret-value');
      } catch (e) {
        return e as Error;
      }
    })()!;
    expect(error.message).toMatch(/Invalid key "TOKEN=…": a key cannot contain "="; give the key and the value/);
    expect(inspect(error)).not.toContain('s3cret');
    expect(JSON.stringify(error)).not.toContain('s3cret');
    expect(environmentName('Movies:ServiceApiKey')).toBe('Movies__ServiceApiKey');
  });
});
