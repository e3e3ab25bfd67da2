/**
 * Secret reads on one connection, through `Service.GetSecrets`, and merged under concurrency. A read while no other
 * is outstanding goes out at once; reads that start while one is outstanding wait for it, then leave together as one
 * call. gnome-keyring spends most of a read on the message itself, so a burst of reads costs it one message instead
 * of hundreds; and even a lone read is cheaper for it through the service than through the item's own `GetSecret`,
 * whose object-path dispatch grows with the collection (at 10,000 items about 2.5 ms against 1.5 ms). Whatever
 * GetSecrets does not return (a locked or deleted item, a service that refuses the whole batch or has no
 * GetSecrets) is read again with `Item.GetSecret`, so every read ends exactly as its own GetSecret would have.
 *
 * Waiting never reorders a read after a change: a call that may change what the service holds (a write, a delete, a
 * lock) first sends the reads that wait ({@link SecretReads.sendWaiting}), so that they leave before it on the
 * connection, as they would have without merging.
 */
import { ITEM_IFACE, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { NoBackendError, ProtocolError, TimeoutException } from './errors.js';
import type { ServiceCaller } from './service-caller.js';
import { wipeSecretStruct } from './session.js';
import { timerDelay } from './timer-delay.js';

const UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod';

interface Waiting {
  itemPath: string;
  sessionPath: string;
  /** When the read must have settled (performance.now()), counted from read(): Infinity without a limit. */
  deadline: number;
  /** Whether it has settled (a read that timed out while it waited is not sent). */
  readonly settled: boolean;
  resolve(struct: unknown): void;
  reject(error: unknown): void;
}

/** What a call made for `reads` may take: until the last of their deadlines (each read keeps its own, see read()). */
function remainingFor(reads: readonly Waiting[]): number | undefined {
  const deadline = Math.max(...reads.map((read) => read.deadline));
  return deadline === Infinity ? undefined : Math.max(1, Math.ceil(deadline - performance.now()));
}

export class SecretReads {
  /** Batches sent and not yet settled: reads that start meanwhile wait. */
  private outstanding = 0;
  private waiting: Waiting[] = [];
  /** False once the service answered GetSecrets with UnknownMethod or a malformed reply: every read alone from then on. */
  private batching = true;

  constructor(private readonly service: Pick<ServiceCaller, 'call'> & { readonly callTimeoutMs: number }) {}

  /**
   * The `(oayays)` secret struct of `itemPath`, encoded for `sessionPath`, within the connection's `callTimeoutMs`
   * from now, however long the read waits for others and whatever calls it takes.
   * @throws as `Item.GetSecret` (mapped: LockedException, ItemNotFoundException, …); TimeoutException.
   */
  read(itemPath: string, sessionPath: string): Promise<unknown> {
    const timeoutMs = this.service.callTimeoutMs;
    const limited = timeoutMs > 0 && Number.isFinite(timeoutMs);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = limited
        ? setTimeout(
            () =>
              read.reject(new TimeoutException(`Reading the secret of ${itemPath} took longer than ${timeoutMs} ms.`)),
            timerDelay(timeoutMs),
          )
        : undefined;
      const read: Waiting = {
        itemPath,
        sessionPath,
        deadline: limited ? performance.now() + timeoutMs : Infinity,
        get settled() {
          return settled;
        },
        resolve: (struct) => {
          // Too late (the read timed out meanwhile): nobody will decode it, so its bytes are wiped here.
          if (settled) return wipeSecretStruct(struct);
          settled = true;
          clearTimeout(timer);
          resolve(struct);
        },
        reject: (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      };
      if (!this.batching) {
        this.getSecret(read).then(read.resolve, read.reject);
        return;
      }
      if (this.outstanding > 0) this.waiting.push(read);
      // Every read is settled inside readTogether, which never rejects.
      else void this.whileOutstanding(this.readTogether(sessionPath, [read]));
    });
  }

  /**
   * Sends the reads waiting for an outstanding batch now, as one batch per session: the caller is about to send a
   * call that a read started before it must not see the effect of.
   */
  sendWaiting(): void {
    this.flush();
  }

  private async whileOutstanding<T>(work: Promise<T>): Promise<T> {
    this.outstanding++;
    try {
      return await work;
    } finally {
      this.outstanding--;
      if (this.outstanding === 0) this.flush();
    }
  }

  /** Sends the reads that waited, as one batch per session. */
  private flush(): void {
    if (this.waiting.length === 0) return;
    // A read whose deadline has passed is not sent, whether or not its timer has fired yet.
    const now = performance.now();
    const batch = this.waiting.filter((read) => !read.settled && read.deadline > now);
    this.waiting = [];
    if (batch.length === 0) return;
    const bySession = new Map<string, Waiting[]>();
    for (const read of batch) {
      const reads = bySession.get(read.sessionPath);
      if (reads) reads.push(read);
      else bySession.set(read.sessionPath, [read]);
    }
    // Every read is settled inside readTogether, which never rejects.
    void this.whileOutstanding(
      Promise.all([...bySession].map(([sessionPath, reads]) => this.readTogether(sessionPath, reads))),
    );
  }

  private async readTogether(sessionPath: string, reads: Waiting[]): Promise<void> {
    let found: Record<string, unknown> | undefined;
    const asked = new Set(reads.map((read) => read.itemPath));
    if (this.batching) {
      const paths = [...asked];
      try {
        [found] = (await this.service.call(SERVICE_PATH, SERVICE_IFACE, 'GetSecrets', 'aoo', [paths, sessionPath], {
          replySignature: 'a{o(oayays)}',
          timeoutMs: remainingFor(reads),
        })) as [Record<string, unknown>];
      } catch (error) {
        // A dead connection, a service that is gone, or a timeout would only repeat itself, so every read gets it now.
        // Anything else (KeePassXC refuses the whole batch when one item is locked; a service without GetSecrets, or a
        // broken one) is answered read by read below.
        if (error instanceof NoBackendError || error instanceof TimeoutException) {
          for (const read of reads) read.reject(error);
          return;
        }
        if ((error as { dbusName?: string }).dbusName === UNKNOWN_METHOD || error instanceof ProtocolError) {
          this.batching = false;
        }
      }
    }
    // What the service sent beyond what was asked: nobody's to read.
    if (found) for (const path of Object.keys(found)) if (!asked.has(path)) wipeSecretStruct(found[path]);
    const given = new Set<string>();
    const missing: Waiting[] = [];
    for (const read of reads) {
      const struct = found && Object.hasOwn(found, read.itemPath) ? found[read.itemPath] : undefined;
      if (struct === undefined) {
        missing.push(read);
        continue;
      }
      // The same item asked for twice: each reader gets its own copy to decode (and wipe).
      read.resolve(given.has(read.itemPath) ? copyStruct(struct) : struct);
      given.add(read.itemPath);
    }
    // Only reads GetSecrets did not answer wait for anything more (usually none: no promise per read).
    if (missing.length === 0) return;
    await Promise.all(
      missing.map(async (read) => {
        try {
          read.resolve(await this.getSecret(read));
        } catch (error) {
          read.reject(error);
        }
      }),
    );
  }

  private async getSecret(read: Waiting): Promise<unknown> {
    const [struct] = await this.service.call(read.itemPath, ITEM_IFACE, 'GetSecret', 'o', [read.sessionPath], {
      replySignature: '(oayays)',
      timeoutMs: remainingFor([read]),
    });
    return struct;
  }
}

function copyStruct(struct: unknown): unknown {
  return Array.isArray(struct)
    ? struct.map((field: unknown) => (field instanceof Uint8Array ? Buffer.from(field) : field))
    : struct;
}
