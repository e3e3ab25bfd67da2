/**
 * Answering the dialogs KWallet and KeePassXC show on their virtual display (see startHeadlessProvider), with
 * `xdotool`: find the window by its title, focus it, type into it, press a key. For tests of unlock prompts, which a
 * real server only completes when someone types the password.
 */
import { execFile } from 'node:child_process';
import { NoBackendError } from '../errors.js';
import { missingProgramError } from './programs.js';

/** The titles of the servers' unlock dialogs (KWallet 5 and KeePassXC 2.7), as regular expressions for xdotool. */
export const UNLOCK_DIALOG_TITLES = Object.freeze({
  kwallet: '^KDE Wallet Service$',
  keepassxc: '^Unlock Database - KeePassXC$',
});

function xdotool(display: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('xdotool', args, { env: { ...process.env, DISPLAY: display } }, (error, stdout) => {
      if (!error) return resolve(stdout.trim());
      // `search` exits 1 when nothing matches: that is an answer, not a failure.
      if (typeof error.code === 'number' && error.code === 1 && args[0] === 'search') return resolve('');
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? missingProgramError('xdotool') : new Error(error.message),
      );
    });
  });
}

/** The ids of the visible windows on `display` whose title matches `title` (a regular expression, as xdotool reads it). */
export async function findDialogs(display: string, title: string): Promise<string[]> {
  const out = await xdotool(display, ['search', '--onlyvisible', '--name', title]);
  return out ? out.split('\n') : [];
}

export interface AnswerDialogOptions {
  /** The X display (`HeadlessProvider.display`). */
  display: string;
  /** The dialog's title, a regular expression (see UNLOCK_DIALOG_TITLES). */
  title: string;
  /** Text to type into the focused field first (a password); none by default. */
  type?: string;
  /** The key to press then: `Return` (the default) confirms, `Escape` cancels. */
  key?: 'Return' | 'Escape';
  /** Milliseconds to wait for the dialog to appear (default 30000). */
  timeoutMs?: number;
}

/**
 * Waits for a dialog, focuses it, types `type` and presses `key`.
 * @throws NoBackendError naming the package when xdotool is missing, or when no such dialog appeared in time.
 */
export async function answerDialog(options: AnswerDialogOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let window: string | undefined;
  for (;;) {
    [window] = await findDialogs(options.display, options.title);
    if (window) break;
    if (Date.now() > deadline) {
      throw new NoBackendError(`No dialog titled /${options.title}/ appeared on ${options.display}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await xdotool(options.display, ['windowfocus', '--sync', window]);
  if (options.type) await xdotool(options.display, ['type', '--delay', '20', options.type]);
  await xdotool(options.display, ['key', options.key ?? 'Return']);
}
