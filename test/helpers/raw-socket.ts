/**
 * A WebSocket client by hand, over a plain TCP socket (RFC 6455): for attackers that a `ws` client would not
 * let us be, such as one that never reads, or one that sends pongs nobody asked for.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from '../../crypto/bytes.js';

/** A client-to-server frame (RFC 6455 5.2), masked as a client must. */
export function wsFrame(opcode: number, payload: Uint8Array): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, 0x80 | len]);
  else if (len < 65536) head = Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, Buffer.from(mask), Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

export const OP = { binary: 0x2, pong: 0xa } as const;

/** A TCP socket upgraded to ws://127.0.0.1:port/sync; `received` is every byte the relay sent. Rejects unless upgraded. */
export function rawSocket(port: number): Promise<{ sock: Socket; received: () => Buffer; closed: () => boolean }> {
  const sock = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closed = false;
  sock.on('error', () => {});
  return new Promise((ok, fail) => {
    sock.on('close', () => {
      closed = true;
      fail(new Error('closed before the upgrade'));
    });
    sock.on('data', (b: Buffer) => {
      chunks.push(b);
      const text = Buffer.concat(chunks).toString('latin1');
      if (text.startsWith('HTTP/1.1 101')) ok({ sock, received: () => Buffer.concat(chunks), closed: () => closed });
      else if (text.includes('\r\n\r\n')) fail(new Error(text.split('\r\n')[0]));
    });
    sock.write(`GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from(randomBytes(16)).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}
