/**
 * Where the keyring file is, and whether this process runs in a sandbox, as libsecret and oo7 decide both: the file
 * is `$XDG_DATA_HOME/keyrings/default.keyring` (`~/.local/share/…` without an absolute XDG_DATA_HOME; inside a
 * Flatpak, XDG_DATA_HOME is the application's own `~/.var/app/<id>/data`), and a Flatpak is recognised by
 * `/.flatpak-info`, a Snap by `SNAP_NAME` (libsecret's `secret-file-backend.c`).
 */
import { nodeFs } from '../node-fs.js';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The keyring file libsecret's and oo7's file backends use for the default collection. */
export function defaultKeyringFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME;
  const base =
    dataHome && isAbsolute(dataHome)
      ? dataHome
      : join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.local/share');
  return join(base, 'keyrings', 'default.keyring');
}

export type Sandbox = 'flatpak' | 'snap';

let inFlatpak: boolean | undefined;

/** The sandbox this process runs in, if any. `root`: where to look for `/.flatpak-info` (tests; not cached). */
export function detectSandbox(env: NodeJS.ProcessEnv = process.env, root?: string): Sandbox | undefined {
  // A process does not move into or out of a Flatpak: the root's file is looked for once.
  const flatpak =
    root === undefined
      ? (inFlatpak ??= nodeFs().existsSync('/.flatpak-info'))
      : nodeFs().existsSync(join(root, '.flatpak-info'));
  if (flatpak) return 'flatpak';
  if (env.SNAP_NAME) return 'snap';
  return undefined;
}
