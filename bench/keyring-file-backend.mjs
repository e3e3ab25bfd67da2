// @ts-check
/**
 * The keyring-file backend beside libsecret's own file backend (python3-gi, `SECRET_BACKEND=file`), on throwaway
 * files: N passwords set, read and deleted one by one through each one's password API, median per operation. The last
 * stage of `npm run bench` (`--stages file`, which runs it with `--json` and puts its figures in the run's JSON); on
 * its own after a build: `node bench/keyring-file-backend.mjs [N]` prints the table and the target lines.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deletePassword, getPassword, setPassword } from '../dist/esm/keyring/index.js';
import { renderKeyringFileStage } from './report.mjs';

const json = process.argv.includes('--json');
const n = Number(process.argv.slice(2).find((arg) => arg !== '--json') ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'bench-keyring-file-'));
const PASSWORD = 'bench password';

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** @param {(i: number) => Promise<unknown>} step */
async function each(step) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await step(i);
    times.push(performance.now() - start);
  }
  return median(times);
}

const PYTHON = `
import json, os, sys, time
os.environ.update(SECRET_BACKEND='file', SECRET_FILE_TEST_PATH=sys.argv[1], SECRET_FILE_TEST_PASSWORD=sys.argv[2])
import gi
gi.require_version('Secret', '1')
from gi.repository import Secret
schema = Secret.Schema.new('bench', Secret.SchemaFlags.NONE, {'service': Secret.SchemaAttributeType.STRING, 'username': Secret.SchemaAttributeType.STRING})
n = int(sys.argv[3])
def each(step):
    times = []
    for i in range(n):
        start = time.perf_counter(); step(i); times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[n // 2]
attrs = lambda i: {'service': 'bench', 'username': 'u%d' % i}
out = {}
out['set'] = each(lambda i: Secret.password_store_sync(schema, attrs(i), None, 'label', 'secret %d' % i, None))
out['get'] = each(lambda i: Secret.password_lookup_sync(schema, attrs(i), None))
out['delete'] = each(lambda i: Secret.password_clear_sync(schema, attrs(i), None))
print(json.dumps(out))
`;

try {
  const options = /** @type {const} */ ({
    backend: 'file',
    filePath: join(dir, 'this.keyring'),
    filePassword: PASSWORD,
  });
  const ours = {
    set: await each((i) => setPassword('bench', `u${i}`, `secret ${i}`, options)),
    get: await each((i) => getPassword('bench', `u${i}`, options)),
    delete: await each((i) => deletePassword('bench', `u${i}`, options)),
  };
  let theirs;
  try {
    theirs = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', PYTHON, join(dir, 'libsecret.keyring'), PASSWORD, String(n)], {
        encoding: 'utf8',
      }),
    );
  } catch (error) {
    theirs = undefined;
    console.error(`libsecret (python3-gi) could not run: ${/** @type {Error} */ (error).message.split('\n')[0]}`);
  }
  const figures = { n, ours, theirs };
  process.stdout.write(json ? `${JSON.stringify(figures)}\n` : renderKeyringFileStage(figures));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
