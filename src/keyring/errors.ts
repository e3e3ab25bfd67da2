/** The errors of the password API beyond the core's (`src/errors.ts`). */
import { ERROR_CLASS, PromptDismissedException } from '../errors.js';

/**
 * A write needed the default collection, there is none, and the service could not create one (its creation prompt
 * was dismissed, or cannot be shown without a graphical session). A {@link PromptDismissedException}, so code that
 * catches that still catches this; the CLI reports it as "not found" (exit 1), not as "locked".
 */
export class NoDefaultCollectionError extends PromptDismissedException {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'NoDefaultCollectionError';
}
