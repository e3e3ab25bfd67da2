// npm runs `prepare` after `npm ci` / `npm install` in a clone, and when it installs this package from git
// (`npm install github:…`, `git+https://…`): there it first installs the devDependencies in its own clone, then runs
// `prepare`, then packs. dist/ is not in the repository, so this builds it; without it a git install has no code.
// `npm pack` and `npm publish` run `prepack` (a fresh build) just before `prepare`: no second build there.
import { execFileSync } from 'node:child_process';

if (!['pack', 'publish'].includes(process.env.npm_command ?? '')) {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}
