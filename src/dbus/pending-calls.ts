/**
 * The calls a connection has sent, or is about to send, and that have no answer yet: at most `maxInFlight` written
 * to the bus, the rest waiting their turn in order, and one timer for all their deadlines. Writing a call is the
 * connection's (`transmit`); deciding who may answer it, too.
 */
import type { Socket } from 'node:net';
import { TimeoutException } from '../errors.js';
import { timerDelay } from '../timer-delay.js';
import type { CallOptions, Reply } from './call.js';
import type { NameOwnerRecord } from './name-owners.js';

export interface PendingCall {
  /** The encoded call, kept until it is written (calls wait when `maxInFlight` are already out). */
  encoded?: Buffer;
  /** A socket whose descriptor goes with the call (its `h` value 0). */
  fd?: Socket;
  serial: number;
  /** Who may answer: the bus, or a unique name; for a well-known name, see `owners`. */
  answerer: string;
  /** For a call to a well-known name: its owners, and the first of them that may answer. */
  owners?: { record: NameOwnerRecord; since: number };
  resolve(reply: Reply): void;
  reject(error: Error): void;
  /** When the call times out (`performance.now()` milliseconds), if it can. */
  deadline?: number;
  onAbort?: () => void;
  options: CallOptions;
  what: string;
}

export class PendingCalls {
  private readonly bySerial = new Map<number, PendingCall>();
  /**
   * The calls waiting their turn, oldest at `head`. A queued call that is settled (aborted, timed out) stays as a
   * tombstone, skipped when its turn comes, and taken entries are dropped in bulk: neither `shift()` nor `splice()`,
   * which copy the array each time once it is large (50,000 queued calls cost seconds of copying).
   */
  private queued: (PendingCall | undefined)[] = [];
  private head = 0;
  private inFlight = 0;
  /**
   * One timer for every call's deadline, set for the earliest of them (`deadlineAt`): a call that gets its reply in
   * time costs no timer of its own, only a comparison. When it fires, the calls past their deadline fail and it is set
   * again for the earliest left.
   */
  private deadlineTimer?: NodeJS.Timeout;
  private deadlineAt = Infinity;

  constructor(
    private readonly maxInFlight: number,
    /** Writes a call's `encoded` bytes (and `fd`) to the bus; called once per call, in order. */
    private readonly transmit: (call: PendingCall) => void,
  ) {}

  /** How many calls have no answer yet (sent or waiting their turn). */
  get size(): number {
    return this.bySerial.size;
  }

  /** The call of `serial` while it has no answer. */
  get(serial: number): PendingCall | undefined {
    return this.bySerial.get(serial);
  }

  /** Takes a new call: written at once while fewer than `maxInFlight` are out, else queued; its deadline timed. */
  add(call: PendingCall): void {
    const timeoutMs = call.options.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      call.deadline = performance.now() + timeoutMs;
      if (call.deadline < this.deadlineAt) this.setDeadlineTimer(call.deadline);
    }
    this.bySerial.set(call.serial, call);
    if (this.inFlight < this.maxInFlight) this.send(call);
    else this.queued.push(call);
  }

  /** The oldest queued call still waiting, taken out of the queue; undefined when none is left. */
  private nextQueued(): PendingCall | undefined {
    const queued = this.queued;
    while (this.head < queued.length) {
      const call = queued[this.head];
      queued[this.head++] = undefined;
      if (call !== undefined && this.bySerial.get(call.serial) === call) {
        if (this.head >= 1024 && this.head * 2 >= queued.length) {
          this.queued = queued.slice(this.head);
          this.head = 0;
        }
        return call;
      }
    }
    this.queued = [];
    this.head = 0;
    return undefined;
  }

  private send(call: PendingCall): void {
    this.inFlight++;
    this.transmit(call);
  }

  /** Forgets a call (answered, timed out or aborted) and lets the next queued call go out. */
  settle(call: PendingCall): void {
    if (!this.bySerial.delete(call.serial)) return;
    if (call.onAbort) call.options.signal!.removeEventListener('abort', call.onAbort);
    if (call.encoded) {
      // Never sent (it waited behind maxInFlight): zeroed as a written frame would be; its place in the queue is
      // skipped when its turn comes.
      call.encoded.fill(0);
      call.encoded = undefined;
      return;
    }
    this.inFlight--;
    while (this.inFlight < this.maxInFlight) {
      const next = this.nextQueued();
      if (!next) break;
      this.send(next);
    }
  }

  /** Fails with `error` every call `pick` chooses. */
  failWhere(pick: (call: PendingCall) => boolean, error: Error): void {
    this.fail([...this.bySerial.values()].filter(pick), () => error);
  }

  /**
   * Fails `calls`, those still queued first, so that none of them is written to the bus (and carried out by the
   * service) in a slot that another one frees, only to be reported as failed.
   */
  private fail(calls: PendingCall[], errorFor: (call: PendingCall) => Error): void {
    const queuedFirst = [...calls.filter((call) => call.encoded), ...calls.filter((call) => !call.encoded)];
    for (const call of queuedFirst) {
      this.settle(call);
      call.reject(errorFor(call));
    }
  }

  /** The connection has ended: every call fails with `errorFor(call)`, and nothing queued is ever sent. */
  failAll(errorFor: (call: PendingCall) => Error): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineAt = Infinity;
    for (const call of this.bySerial.values()) {
      if (call.onAbort) call.options.signal!.removeEventListener('abort', call.onAbort);
      call.reject(errorFor(call));
    }
    this.bySerial.clear();
    for (let i = this.head; i < this.queued.length; i++) this.queued[i]?.encoded?.fill(0);
    this.queued = [];
    this.head = 0;
  }

  private setDeadlineTimer(at: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(() => this.expire(), timerDelay(at - performance.now()));
    this.deadlineTimer.unref();
  }

  /** Fails the calls whose deadline has passed, and sets the timer for the earliest deadline left. */
  private expire(): void {
    this.deadlineTimer = undefined;
    this.deadlineAt = Infinity;
    const now = performance.now();
    const expired: PendingCall[] = [];
    let next = Infinity;
    for (const call of this.bySerial.values()) {
      if (call.deadline === undefined) continue;
      if (call.deadline <= now) expired.push(call);
      else if (call.deadline < next) next = call.deadline;
    }
    if (next < Infinity) this.setDeadlineTimer(next);
    this.fail(
      expired,
      (call) => new TimeoutException(`${call.what} got no reply within ${call.options.timeoutMs} ms.`),
    );
  }
}
