/**
 * Binary codec for the wire format (docs/PROTOCOL.md, "Base encodings"):
 * varuint = unsigned LEB128 up to 2^53-1; bytes = varuint length then raw; string = bytes of UTF-8;
 * fixed = raw bytes of a length known from the grammar.
 */
import { type Bytes, fromUtf8, utf8 } from './bytes.js';

export class DecodeError extends Error {
  override name = 'DecodeError';
}

export class Encoder {
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varuint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varuint: ${n} is not a safe unsigned integer`);
    this.ensure(8);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
    return this;
  }

  fixed(b: Bytes): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  bytes(b: Bytes): this {
    return this.varuint(b.length).fixed(b);
  }

  string(s: string): this {
    return this.bytes(utf8(s));
  }

  finish(): Bytes {
    return this.buf.slice(0, this.pos);
  }
}

export class Decoder {
  pos = 0;
  constructor(private readonly buf: Bytes) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varuint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) throw new DecodeError('varuint: unexpected end of input');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (i > 0 && b === 0) throw new DecodeError('varuint: non-minimal encoding');
        if (!Number.isSafeInteger(n)) throw new DecodeError('varuint: exceeds 2^53-1');
        return n;
      }
      mul *= 0x80;
    }
    throw new DecodeError('varuint: too long');
  }

  /** A view into the input, not a copy: callers that keep it must own the input. */
  fixed(n: number): Bytes {
    if (this.pos + n > this.buf.length) throw new DecodeError(`fixed(${n}): unexpected end of input`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(max: number): Bytes {
    const n = this.varuint();
    if (n > max) throw new DecodeError(`bytes: length ${n} exceeds limit ${max}`);
    return this.fixed(n);
  }

  string(max: number): string {
    try {
      return fromUtf8(this.bytes(max));
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError('string: invalid UTF-8');
    }
  }
}
