/** What a method call is, as the connection's callers see it: the call, its options, its reply, its error reply. */

/** An error reply to a method call: the D-Bus error name and the service's text. */
export class DBusMethodError extends Error {
  constructor(
    readonly errorName: string,
    readonly text: string,
  ) {
    super(`${errorName}: ${text}`);
    this.name = 'DBusMethodError';
  }
}

export interface MethodCall {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

export interface CallOptions {
  /** Milliseconds before the call fails with TimeoutException; 0 or Infinity waits as long as the connection lives. */
  timeoutMs?: number;
  /** The reply's signature must be exactly this, or the call fails with ProtocolError. */
  replySignature?: string;
  /** What the call is about, for error messages (never contains a secret). */
  describe?: string;
  /** Aborting it fails the call at once with the signal's reason; a reply that comes later is ignored. */
  signal?: AbortSignal;
}

export interface Reply {
  signature: string;
  body: unknown[];
  sender?: string;
}
