// @ts-check
/**
 * `npm run docs`: the API reference from the TSDoc comments into docs/api-reference/ (not committed). Any warning
 * fails it (an export whose type refers to something not exported, a broken link in README.md, docs/ or CHANGELOG.md).
 * Its "Defined in" links need the checkout's git remote; in a copy without one (a source archive, a fresh `git init`)
 * the reference is built without them instead of failing.
 */
import { execFileSync } from 'node:child_process';

function hasGitRemote() {
  try {
    execFileSync('git', ['remote', 'get-url', 'origin'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const withSources = hasGitRemote();
if (!withSources)
  console.warn('typedoc.config.mjs: no git remote "origin": the reference has no links to the sources.');

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'secretstorage',
  entryPoints: [
    'src/index.ts',
    'src/keyring/index.ts',
    'src/keytar.ts',
    'src/user-secrets/index.ts',
    'src/testing/index.ts',
  ],
  tsconfig: 'tsconfig.json',
  out: 'docs/api-reference',
  readme: 'README.md',
  projectDocuments: ['docs/*.md', 'CHANGELOG.md'],
  excludePrivate: true,
  excludeInternal: true,
  githubPages: false,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: false },
  disableSources: !withSources,
};
