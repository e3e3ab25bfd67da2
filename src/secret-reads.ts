/**
 * Secret reads on one connection, through `Service.GetSecrets`, and merged under concurrency. A read while no other
 * is outstanding goes out at once; reads that start while one is outstanding wait for it, then leave together as one
 * call. gnome-keyring spends most of a read on the message itself, so a burst of reads costs it one message instead
 * of hundreds; and even a lone read is cheaper for it through the service than through the item's own `GetSecret`,
 * whose object-path dispatch grows with the collection (at 10,000 items about 2.5 ms against 1.5 ms). Whatever
 * GetSecrets does not return (a locked or deleted item, a service that refuses the whole batch or has no
 * GetSecrets) is read again with `Item.GetSecret`, so every read ends exactly as its own GetSecret would have.
 */
import { ITEM_IFACE, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { NoBackendError, ProtocolError, TimeoutException } from './errors.js';
import type { ServiceCaller } from './service-caller.js';
import { wipeSecretStruct } from './session.js';

const UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod';

interface Waiting {
  itemPath: string;
  sessionPath: string;
  resolve(struct: unknown): void;
  reject(error: unknown): void;
}

export class SecretReads {
  private outstanding = false;
  private waiting: Waiting[] = [];
  /** False once the service answered GetSecrets with UnknownMethod or a malformed reply: every read alone from then on. */
  private batching = true;

  constructor(private readonly service: Pick<ServiceCaller, 'call'>) {}

  /**
   * The `(oayays)` secret struct of `itemPath`, encoded for `sessionPath`.
   * @throws as `Item.GetSecret` (mapped: LockedException, ItemNotFoundException, …).
   */
  read(itemPath: string, sessionPath: string): Promise<unknown> {
    if (!this.batching) return this.getSecret(itemPath, sessionPath);
    return new Promise((resolve, reject) => {
      const read = { itemPath, sessionPath, resolve, reject };
      if (this.outstanding) this.waiting.push(read);
      // Every read is settled inside readTogether, which never rejects.
      else void this.whileOutstanding(this.readTogether(sessionPath, [read]));
    });
  }

  private async whileOutstanding<T>(work: Promise<T>): Promise<T> {
    this.outstanding = true;
    try {
      return await work;
    } finally {
      this.outstanding = false;
      this.flush();
    }
  }

  /** Sends the reads that waited, as one batch per session. */
  private flush(): void {
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
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
          read.resolve(await this.getSecret(read.itemPath, sessionPath));
        } catch (error) {
          read.reject(error);
        }
      }),
    );
  }

  private async getSecret(itemPath: string, sessionPath: string): Promise<unknown> {
    const [struct] = await this.service.call(itemPath, ITEM_IFACE, 'GetSecret', 'o', [sessionPath], {
      replySignature: '(oayays)',
    });
    return struct;
  }
}

function copyStruct(struct: unknown): unknown {
  return Array.isArray(struct)
    ? struct.map((field: unknown) => (field instanceof Uint8Array ? Buffer.from(field) : field))
    : struct;
}
