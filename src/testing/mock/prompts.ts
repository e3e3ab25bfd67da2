/**
 * Pending prompts. A prompt holds the work it stands for (unlock these paths, create this item…) and runs it only
 * when it completes, so a dismissed prompt changes nothing. Once `Completed` is emitted the prompt is forgotten and
 * its path answers `UnknownObject`, as the spec says a completed prompt is invalid.
 */
import { variant } from '../../dbus/codec.js';
import type { DBusVariant } from '../../dbus/message.js';
import type { PromptBehaviour } from './scenario.js';
import { SERVICE_PATH } from './store.js';

/** The result a dismissed prompt carries (gnome-keyring and the libsecret mock send an empty string). */
export const DISMISSED_RESULT: DBusVariant = variant('s', '');

/** Emits `Completed(dismissed, result)`; `destination` is the connection the prompt answers to. */
export type CompletedEmitter = (path: string, dismissed: boolean, result: DBusVariant, destination: string) => void;

interface PendingPrompt {
  readonly path: string;
  /** The work the prompt stands for; its return value is the `Completed` result. */
  readonly action: () => DBusVariant;
  /** Who gets the unicast `Completed`: the creator, then whoever last called `Prompt()` or `Dismiss()`. */
  caller: string;
  /** `Prompt()` was called, but the behaviour is 'never': waiting for `Dismiss()` (or the test) forever. */
  waiting: boolean;
}

export class PromptRegistry {
  private readonly pending = new Map<string, PendingPrompt>();
  private nextId = 1;

  constructor(private readonly emitCompleted: CompletedEmitter) {}

  /** Registers a prompt for `owner` and returns its path. */
  create(owner: string, action: () => DBusVariant): string {
    const path = `${SERVICE_PATH}/prompt/${this.nextId++}`;
    this.pending.set(path, { path, action, caller: owner, waiting: false });
    return path;
  }

  has(path: string): boolean {
    return this.pending.has(path);
  }

  list(): string[] {
    return [...this.pending.keys()];
  }

  /** `Prompt()`: plays the user's part according to `behaviour`. A second call on a waiting prompt does nothing. */
  prompt(path: string, caller: string, behaviour: PromptBehaviour): void {
    const prompt = this.pending.get(path);
    if (!prompt || prompt.waiting) return;
    prompt.caller = caller;
    if (behaviour === 'never') prompt.waiting = true;
    else this.finish(prompt, behaviour === 'dismiss');
  }

  /** `Dismiss()`, or a test ending a prompt: completes it as dismissed. Unknown paths are ignored. */
  dismiss(path: string, caller?: string): void {
    const prompt = this.pending.get(path);
    if (!prompt) return;
    if (caller !== undefined) prompt.caller = caller;
    this.finish(prompt, true);
  }

  /** Completes a prompt as the user would (for tests driving 'never' prompts by hand). */
  complete(path: string): void {
    const prompt = this.pending.get(path);
    if (prompt) this.finish(prompt, false);
  }

  private finish(prompt: PendingPrompt, dismissed: boolean): void {
    this.pending.delete(prompt.path);
    let result = DISMISSED_RESULT;
    if (!dismissed) {
      try {
        result = prompt.action();
      } catch {
        // The work became impossible meanwhile (e.g. its collection was deleted): report it as a cancelled prompt,
        // which is what a real server's user would see too.
        dismissed = true;
      }
    }
    this.emitCompleted(prompt.path, dismissed, result, prompt.caller);
  }
}
