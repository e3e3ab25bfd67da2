/** findProject: which `.env` a directory inside a project belongs to, as git and dotenv-style tools find theirs. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findProject } from '../../src/user-secrets/find-project.js';
import { InvalidProjectIdError } from '../../src/user-secrets/errors.js';

const ID = '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b';
const root = mkdtempSync(join(tmpdir(), 'find-project-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A tree under a fresh directory: paths ending in `/` are directories, others files with the given text. */
function tree(entries: Record<string, string>): string {
  const base = join(root, `t${++counter}`);
  mkdirSync(base);
  for (const [path, text] of Object.entries(entries)) {
    if (path.endsWith('/')) mkdirSync(join(base, path), { recursive: true });
    else {
      mkdirSync(join(base, path, '..'), { recursive: true });
      writeFileSync(join(base, path), text);
    }
  }
  return base;
}

const env = { HOME: join(root, 'home') };

describe('findProject', () => {
  it('does not climb into a directory anyone may write to (a .env planted in /tmp is not taken)', async () => {
    const base = tree({ 'shared/.env': `ENV_SECRETS_ID=${ID}\n`, 'shared/mine/work/': '' });
    chmodSync(join(base, 'shared'), 0o1777); // as /tmp is
    const found = await findProject(join(base, 'shared/mine/work'), env);
    expect(found).toMatchObject({ projectDir: join(base, 'shared/mine/work'), reason: 'start' });
    expect(found.searched).toEqual([join(base, 'shared/mine/work'), join(base, 'shared/mine')]);
    chmodSync(join(base, 'shared'), 0o755); // the same tree, owned by this user and not shared: the .env is taken
    expect(await findProject(join(base, 'shared/mine/work'), env)).toMatchObject({ reason: 'id' });
  });

  it('takes the nearest .env with an id, up to the repository root', async () => {
    const base = tree({ 'repo/.git/': '', 'repo/.env': `ENV_SECRETS_ID=${ID}\n`, 'repo/a/b/': '' });
    const found = await findProject(join(base, 'repo/a/b'), env);
    expect(found).toMatchObject({ projectDir: join(base, 'repo'), envFile: join(base, 'repo/.env'), reason: 'id' });
    expect(found.location?.id).toBe(ID);
    expect(found.searched).toEqual([join(base, 'repo/a/b'), join(base, 'repo/a'), join(base, 'repo')]);
  });

  it('prefers a nearer .env with an id (a package of a monorepo) and skips nearer ones without', async () => {
    const other = '11111111-2222-4333-8444-555555555555';
    const base = tree({
      'repo/.git/': '',
      'repo/.env': `ENV_SECRETS_ID=${ID}\n`,
      'repo/pkg/.env': `USER_SECRETS_ID=${other}\n`,
      'repo/pkg/src/.env': 'PORT=3000\n',
      'repo/pkg/src/deep/': '',
    });
    const found = await findProject(join(base, 'repo/pkg/src/deep'), env);
    expect(found).toMatchObject({ projectDir: join(base, 'repo/pkg'), reason: 'id' });
    expect(found.location).toMatchObject({ id: other, key: 'USER_SECRETS_ID' });
  });

  it('never looks above the repository root', async () => {
    const base = tree({ '.env': `ENV_SECRETS_ID=${ID}\n`, 'repo/.git': 'gitdir: elsewhere\n', 'repo/src/': '' });
    const found = await findProject(join(base, 'repo/src'), env);
    expect(found).toMatchObject({ projectDir: join(base, 'repo'), reason: 'repository-root' });
    expect(found.searched).toEqual([join(base, 'repo/src'), join(base, 'repo')]);
  });

  it('without an id: the nearest .env, else the repository root', async () => {
    const base = tree({ 'repo/.git/': '', 'repo/.env': 'PORT=1\n', 'repo/src/': '' });
    expect(await findProject(join(base, 'repo/src'), env)).toMatchObject({
      projectDir: join(base, 'repo'),
      envFile: join(base, 'repo/.env'),
      reason: 'env-file',
    });
    const bare = tree({ 'repo/.git/': '', 'repo/src/lib/': '' });
    expect(await findProject(join(bare, 'repo/src/lib'), env)).toMatchObject({
      projectDir: join(bare, 'repo'),
      reason: 'repository-root',
    });
  });

  it('outside a repository: looks upwards but never at the home directory, else uses the start', async () => {
    const base = tree({ 'home/.env': `ENV_SECRETS_ID=${ID}\n`, 'home/proj/sub/': '' });
    const found = await findProject(join(base, 'home/proj/sub'), { HOME: join(base, 'home') });
    expect(found).toMatchObject({ projectDir: join(base, 'home/proj/sub'), reason: 'start' });
    expect(found.searched).toEqual([join(base, 'home/proj/sub'), join(base, 'home/proj')]);
  });

  it('an invalid id on the way is an error, not skipped', async () => {
    const base = tree({ 'repo/.git/': '', 'repo/.env': 'ENV_SECRETS_ID=../../etc\n', 'repo/src/': '' });
    await expect(findProject(join(base, 'repo/src'), env)).rejects.toBeInstanceOf(InvalidProjectIdError);
  });
});
