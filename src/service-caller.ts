/** What the core objects need from a connection: typed calls to the Secret Service, with errors already mapped. */
import type { Session } from './session.js';

export interface ServiceCallOptions {
  /** The reply must have exactly this signature (else ProtocolError). */
  replySignature?: string;
  /** Overrides the connection's `callTimeoutMs` (0 = no limit). */
  timeoutMs?: number;
  /** Return the reply body undecoded, for callers that map errors themselves (e.g. OpenSession's fallback). */
  raw?: boolean;
  /** Aborting it fails the call at once with the signal's reason. */
  signal?: AbortSignal;
  /** Filled in when the call succeeds: who answered (the service owner's unique bus name, `:1.42`). */
  reply?: { sender?: string };
}

export interface ServiceCaller {
  /** The bus name calls go to (`org.freedesktop.secrets`, or the SECRET_SERVICE_BUS_NAME override). */
  readonly serviceName: string;
  /** The debug log, when enabled (never given message bodies). */
  readonly log?: (line: string) => void;
  call(
    path: string,
    iface: string,
    member: string,
    signature?: string,
    body?: unknown[],
    options?: ServiceCallOptions,
  ): Promise<unknown[]>;
  /** Sends a call without waiting for a reply (errors ignored). */
  send(path: string, iface: string, member: string, signature?: string, body?: unknown[]): void;
  getProperty(path: string, iface: string, name: string, signature: string): Promise<unknown>;
  setProperty(path: string, iface: string, name: string, signature: string, value: unknown): Promise<void>;
  /** The connection's transfer session, opened on first use and reopened after the service restarts. */
  session(): Promise<Session>;
  /** Runs `fn` with the session, reopening it once if the service says it no longer knows it. */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}
