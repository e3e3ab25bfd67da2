/**
 * The first call a connection makes to the service, before any other: gnome-keyring (42 to at least 50) may run a
 * new caller's first call before it has made its record of that caller (the record is made by a high-priority task
 * that GLib's main loop can pass over while it is already looking at normal-priority ones). Without the record, an
 * `OpenSession` makes it abort as a whole (g_error: SIGTRAP, every client loses the keyring), and a `ReadAlias` or
 * `SearchItems` answers as if the keyring were empty (no default collection, nothing found). Once the daemon has
 * answered one call of the connection, the record exists before any later call runs. So the connection's first call
 * to a service owner is `Properties.Get(Service, Collections)`, which needs no record; the calls that wait for it
 * go out once it is answered. It is made again after the service changed owner (a restarted daemon).
 */
import { abortable } from './abortable.js';
import { TimeoutException } from './errors.js';

/**
 * Sends the harmless first call. Resolves true when the service answered (an error reply from the service is an
 * answer too), false when it did not get there (no such service, connection closed).
 * @throws TimeoutException when no answer came in time.
 */
export type SendFirstCall = () => Promise<boolean>;

export class FirstContact {
  /** The first call under way; rejects only with TimeoutException. */
  private pending?: Promise<void>;
  private done = false;

  constructor(private readonly sendFirstCall: SendFirstCall) {}

  /** Whether calls may go out at once. */
  get made(): boolean {
    return this.done;
  }

  /**
   * Resolves once the service has answered the first call, or once that call failed (the caller's own call then
   * meets the same problem and reports it), or when `signal` aborts (rejecting with its reason).
   * @throws TimeoutException when the first call got no answer in time: the caller's call would wait as long again.
   */
  async wait(signal?: AbortSignal): Promise<void> {
    if (!this.pending) {
      const attempt: Promise<void> = this.sendFirstCall().then(
        (answered) => {
          // An answer to an attempt that reset() has since dropped was the previous owner's.
          if (this.pending !== attempt) return;
          if (answered) this.done = true;
          else this.pending = undefined; // the caller's call meets the same problem; the next one tries again
        },
        (error: unknown) => {
          if (this.pending === attempt) this.pending = undefined;
          if (error instanceof TimeoutException) throw error;
        },
      );
      this.pending = attempt;
    }
    await (signal ? abortable(this.pending, signal) : this.pending);
  }

  /** The service changed owner: the next call is a new caller's first call again. */
  reset(): void {
    this.done = false;
    this.pending = undefined;
  }
}
