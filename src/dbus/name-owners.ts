/**
 * Who owns a well-known name, as the bus says and only as the bus says: pinned by `GetNameOwner` and kept current by
 * `NameOwnerChanged` signals whose sender is `org.freedesktop.DBus` (the bus sets the sender field, so no client can
 * forge it). The connection uses it to decide which peer may answer a call to the name, and which may emit its signals.
 */

/** How many successive owners of one name are remembered, for replies to calls sent before the later ones came. */
const REMEMBERED_OWNERS = 32;

/** A listener for changes of a name's owner: the previous and the new unique name ('' for none). */
export type OwnerChangeListener = (oldOwner: string, newOwner: string) => void;

/** The owners of one well-known name, in the order the bus reported them. */
export class NameOwnerRecord {
  /** The owners so far, oldest first; `owners[i]` is the owner number `dropped + i`. */
  private readonly owners: string[] = [];
  private dropped = 0;
  /** The current owner ('' for none), once the bus has said. */
  private currentOwner?: string;
  readonly listeners = new Set<OwnerChangeListener>();
  /** Settles once the bus answered `GetNameOwner` (or the watch could not be set up). */
  ready: Promise<void>;

  constructor(ready: Promise<void>) {
    this.ready = ready;
  }

  /** The current owner ('' for none); undefined until the bus has said. */
  get current(): string | undefined {
    return this.currentOwner;
  }

  /**
   * A position in the history: a reply to a call sent now may come from the owner at this position or any later
   * one (the bus routed the call to whoever owned the name when it read it, which this side may learn only later).
   */
  position(): number {
    const total = this.dropped + this.owners.length;
    return this.currentOwner ? total - 1 : total;
  }

  /** True when `sender` owned the name at `position` or since. */
  ownedSince(position: number, sender: string): boolean {
    const from = Math.max(0, position - this.dropped);
    for (let i = from; i < this.owners.length; i++) if (this.owners[i] === sender) return true;
    return false;
  }

  /** Records `GetNameOwner`'s answer: the owner now ('' for none). */
  pin(owner: string): void {
    this.setCurrent(owner);
  }

  /** Records a `NameOwnerChanged` from the bus and tells the listeners. */
  announce(oldOwner: string, newOwner: string): void {
    this.setCurrent(newOwner);
    for (const listener of this.listeners) {
      try {
        listener(oldOwner, newOwner);
      } catch {
        // The listener's own bug; the record and the other listeners are unaffected.
      }
    }
  }

  private setCurrent(owner: string): void {
    this.currentOwner = owner;
    if (!owner || this.owners[this.owners.length - 1] === owner) return;
    this.owners.push(owner);
    if (this.owners.length > REMEMBERED_OWNERS) {
      this.owners.shift();
      this.dropped++;
    }
  }
}
