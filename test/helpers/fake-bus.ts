/**
 * A fake D-Bus bus on a Unix socket, for what only a peer behind no validating dbus-daemon can send: it answers the
 * SASL handshake line by line (`OK` unless told otherwise), answers Hello with a unique name, and then answers every
 * later call with whatever bytes the test hands it. It records what the client sent, so a test can check what went
 * out and in what order. Real buses (dbus-daemon, gnome-keyring) are started by test/helpers/keyring.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage } from '../../src/dbus/codec.js';
import { MessageType } from '../../src/dbus/message.js';

const OK = 'OK 0123456789abcdef0123456789abcdef';

export interface FakeBusOptions {
  /**
   * What each AUTH, DATA or CANCEL line is answered with, in turn (without the CRLF); `OK <guid>` once they run out.
   */
  authAnswers?: string[];
  /** The unique name Hello returns (default `:1.5`). */
  uniqueName?: string;
}

export class FakeBus {
  /** Bytes sent right after the Hello reply, in the same write (hostile framing, a stray message, …). */
  afterHello: Buffer = Buffer.alloc(0);
  /**
   * The answer to each call after Hello, by its serial and its whole message; nothing is sent when it returns
   * undefined (the call stays unanswered).
   */
  reply: (serial: number, message: Buffer) => Buffer | undefined = () => undefined;
  /** The bus's address (`unix:path=…`), once started. */
  address = '';
  private server: Server | undefined;
  private dir = '';
  private readonly sockets = new Set<Socket>();
  private readonly authAnswers: string[];
  private readonly uniqueName: string;
  private receivedBytes = Buffer.alloc(0);

  constructor(options: FakeBusOptions = {}) {
    this.authAnswers = [...(options.authAnswers ?? [])];
    this.uniqueName = options.uniqueName ?? ':1.5';
  }

  /** Listens, and resolves with the bus's address (`unix:path=…`). */
  async start(): Promise<string> {
    this.dir = await mkdtemp(join(tmpdir(), 'fake-bus-'));
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    const path = join(this.dir, 'bus');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    this.address = `unix:path=${path}`;
    return this.address;
  }

  /** Everything clients sent, as latin1 text (handshake lines readable, messages as bytes). */
  received(): string {
    return this.receivedBytes.toString('latin1');
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let authenticated = false;
    let helloAnswered = false;
    socket.on('data', (chunk) => {
      this.receivedBytes = Buffer.concat([this.receivedBytes, chunk]);
      buffered = Buffer.concat([buffered, chunk]);
      while (!authenticated) {
        const end = buffered.indexOf('\r\n');
        if (end < 0) return;
        const line = buffered.subarray(0, end).toString('latin1').replace(/^\0/, '');
        buffered = buffered.subarray(end + 2);
        if (line === 'BEGIN') authenticated = true;
        else if (line.startsWith('AUTH ') || line.startsWith('DATA ') || line === 'CANCEL') {
          socket.write(`${this.authAnswers.shift() ?? OK}\r\n`);
        }
      }
      while (buffered.length >= 16) {
        const total = 16 + ((buffered.readUInt32LE(12) + 7) & ~7) + buffered.readUInt32LE(4);
        if (buffered.length < total) return;
        const message = buffered.subarray(0, total);
        const serial = message.readUInt32LE(8);
        buffered = buffered.subarray(total);
        if (helloAnswered) {
          const answer = this.reply(serial, message);
          if (answer) socket.write(answer);
          continue;
        }
        helloAnswered = true;
        const hello = encodeMessage({
          type: MessageType.MethodReturn,
          serial: 1,
          replySerial: serial,
          sender: 'org.freedesktop.DBus',
          signature: 's',
          body: [this.uniqueName],
        });
        socket.write(Buffer.concat([hello, this.afterHello]));
      }
    });
  }
}
