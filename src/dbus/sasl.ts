/**
 * The client side of D-Bus authentication (SASL over the socket, before any message): EXTERNAL (the peer's uid, for
 * Unix sockets), DBUS_COOKIE_SHA1 (a secret cookie in ~/.dbus-keyrings) and ANONYMOUS (what a TCP bus in a test
 * container allows). A mechanism the server rejects, or that cannot be used here, moves on to the next one.
 */
import type { Socket } from 'node:net';
import { isGuid } from './names.js';
import type { IncomingBytes } from './incoming.js';

export const DEFAULT_AUTH_METHODS = ['EXTERNAL', 'DBUS_COOKIE_SHA1', 'ANONYMOUS'];

/**
 * Ends authentication. {@link authenticate} does not send it: the caller sends it in the same write as its first
 * message (Hello), one system call and one wake-up of the bus instead of two.
 */
export const SASL_BEGIN = 'BEGIN\r\n';

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

class LineReader {
  private buffered = Buffer.alloc(0);
  private waiting?: { resolve(line: string): void; reject(error: Error): void };
  private readonly onEnd = () =>
    this.waiting?.reject(new Error('the server closed the connection during authentication'));

  constructor(
    private readonly socket: Socket,
    private readonly incoming: IncomingBytes,
  ) {
    incoming.consume((bytes) => {
      this.buffered = Buffer.concat([this.buffered, bytes]);
      this.pump();
    });
    socket.on('end', this.onEnd);
  }

  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.pump();
    });
  }

  private pump(): void {
    if (!this.waiting) return;
    const end = this.buffered.indexOf('\r\n');
    if (end < 0) {
      if (this.buffered.length > 16384)
        this.waiting.reject(new Error('the server sent an overlong authentication line'));
      return;
    }
    const line = this.buffered.subarray(0, end).toString('latin1');
    this.buffered = this.buffered.subarray(end + 2);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve(line);
  }

  /** Stops reading, handing any bytes read past the last line back for the frame reader. */
  release(): void {
    this.incoming.consume(undefined);
    this.socket.off('end', this.onEnd);
    this.incoming.giveBack(this.buffered);
  }
}

async function cookieResponse(challengeHex: string): Promise<string> {
  // Loaded here, not at the top: only buses without EXTERNAL need them, and every millisecond of import is paid by
  // every short-lived process (see README, Performance).
  const [{ createHash, randomBytes }, { readFile, stat }, { homedir, userInfo }, { join }] = await Promise.all([
    import('node:crypto'),
    import('node:fs/promises'),
    import('node:os'),
    import('node:path'),
  ]);
  const [context, cookieId, serverChallenge] = Buffer.from(challengeHex, 'hex').toString('utf8').split(' ');
  if (!context || /[/\\.]/.test(context) || !cookieId || !serverChallenge)
    throw new Error('malformed DBUS_COOKIE_SHA1 challenge');
  // $HOME's keyrings, then the home directory of this uid's passwd entry, which is where dbus-daemon (libdbus) keeps
  // them whatever $HOME says: a process run with a throwaway HOME still finds the cookie.
  const homes = [...new Set([homedir(), userInfoHome(userInfo)])].filter((home): home is string => Boolean(home));
  const uid = effectiveUid();
  const looked: string[] = [];
  for (const home of homes) {
    const directory = join(home, '.dbus-keyrings');
    const info = await stat(directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) continue;
    // As libdbus: cookies are believed only from a directory that is this user's and no one else can read or write
    // (another user could otherwise plant a cookie of their own, or have read ours).
    if (!info.isDirectory()) throw new Error(`${directory} is not a directory`);
    if (uid !== undefined && info.uid !== uid) {
      throw new Error(`${directory} belongs to uid ${info.uid}, not to this user (uid ${uid})`);
    }
    if ((info.mode & 0o077) !== 0) {
      throw new Error(
        `${directory} is accessible to group or others (mode ${(info.mode & 0o777).toString(8)}); run chmod 700 on it`,
      );
    }
    looked.push(directory);
    const keyring = await readFile(join(directory, context), 'utf8').catch(() => '');
    const cookie = keyring
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[0] === cookieId)?.[2];
    if (!cookie) continue;
    const clientChallenge = randomBytes(16).toString('hex');
    const digest = createHash('sha1').update(`${serverChallenge}:${clientChallenge}:${cookie}`).digest('hex');
    return hex(`${clientChallenge} ${digest}`);
  }
  throw new Error(
    looked.length
      ? `cookie ${cookieId} of ${context} not found in ${looked.join(' or ')}`
      : `no .dbus-keyrings directory in ${homes.join(' or ')}`,
  );
}

/** The home directory of this uid's passwd entry, if there is one. */
function userInfoHome(userInfo: typeof import('node:os').userInfo): string | undefined {
  try {
    return userInfo().homedir;
  } catch {
    return undefined;
  }
}

/**
 * What the server sent, for an error message: in quotes, at most 60 characters, any byte outside printable ASCII (and a
 * quote or backslash) as `\xHH`, so that nothing a server sends can garble a terminal or a log.
 */
function quoted(line: string): string {
  const escaped = line
    .slice(0, 60)
    .replace(/[^\x20-\x7e]|["\\]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${escaped}"${line.length > 60 ? '...' : ''}`;
}

/**
 * The uid this process authenticates as: its effective uid, which is what the kernel reports to the bus for a Unix
 * socket (SO_PEERCRED) and what libdbus sends.
 */
function effectiveUid(): number | undefined {
  return typeof process.geteuid === 'function' ? process.geteuid() : undefined;
}

/**
 * Authenticates on a freshly connected socket; resolves with the server's GUID once a mechanism is accepted (and, with
 * `unixFds`, once the server agreed to pass file descriptors). The caller then sends {@link SASL_BEGIN} followed by its
 * first message.
 * @throws Error when no mechanism is accepted, or the server's answers break the protocol (an OK without a GUID of 32
 *   hex digits, anything but REJECTED after a CANCEL).
 */
export async function authenticate(
  socket: Socket,
  incoming: IncomingBytes,
  methods: string[] = DEFAULT_AUTH_METHODS,
  options: { unixFds?: boolean } = {},
): Promise<string> {
  const reader = new LineReader(socket, incoming);
  const uid = String(effectiveUid() ?? 0);
  const rejections: string[] = [];
  // The protocol opens with one NUL byte; it goes out with the first command, in one write.
  let nul = '\0';
  const send = (line: string) => {
    socket.write(`${nul}${line}\r\n`);
    nul = '';
  };
  /** Gives up the current mechanism (spec: the client sends CANCEL, and the server answers REJECTED). */
  const cancel = async () => {
    send('CANCEL');
    const answer = await reader.next();
    if (!answer.startsWith('REJECTED')) throw new Error(`the server answered CANCEL with ${quoted(answer)}`);
  };
  try {
    for (const method of methods) {
      let line: string;
      if (method === 'EXTERNAL') {
        send(`AUTH EXTERNAL ${hex(uid)}`);
        line = await reader.next();
      } else if (method === 'ANONYMOUS') {
        send(`AUTH ANONYMOUS ${hex('secretstorage')}`);
        line = await reader.next();
      } else if (method === 'DBUS_COOKIE_SHA1') {
        send(`AUTH DBUS_COOKIE_SHA1 ${hex(uid)}`);
        line = await reader.next();
        if (line.startsWith('DATA ')) {
          let response: string;
          try {
            response = await cookieResponse(line.slice(5).trim());
          } catch (error) {
            rejections.push(`DBUS_COOKIE_SHA1 (${(error as Error).message})`);
            await cancel();
            continue;
          }
          send(`DATA ${response}`);
          line = await reader.next();
        }
      } else {
        rejections.push(`${method} (not implemented)`);
        continue;
      }
      if (line.startsWith('OK ') || line === 'OK') {
        const guid = line.slice(3).trim();
        if (!isGuid(guid))
          throw new Error(`the server accepted ${method} with ${quoted(line)}, not a GUID of 32 hex digits`);
        if (options.unixFds) {
          // Asked for after authentication, before BEGIN (spec: "NEGOTIATE_UNIX_FD").
          send('NEGOTIATE_UNIX_FD');
          const answer = await reader.next();
          if (answer !== 'AGREE_UNIX_FD')
            throw new Error(`the server does not pass file descriptors (${quoted(answer)})`);
        }
        return guid;
      }
      if (line.startsWith('REJECTED')) {
        rejections.push(`${method} (REJECTED)`);
        continue;
      }
      // ERROR, or a DATA this mechanism has no answer to: the spec's client cancels, and moves on once REJECTED.
      rejections.push(`${method} (${quoted(line)})`);
      await cancel();
    }
    throw new Error(`no authentication mechanism was accepted: ${rejections.join(', ')}`);
  } finally {
    reader.release();
  }
}
