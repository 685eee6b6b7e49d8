/**
 * Sync protocol frames between devices and relay (docs/PROTOCOL.md, "Sync protocol").
 * A frame is one binary WebSocket message: byte 0 is the frame type.
 *   0x01 control:   UTF-8 JSON of a Control message (at most LIMITS.control bytes)
 *   0x02 envelopes: varuint count, then count x bytes(envelope wire)
 */
import * as v from 'valibot';
import { Decoder, DecodeError, Encoder } from '../crypto/codec.js';
import { fromUtf8, utf8 } from '../crypto/bytes.js';
import { LIMITS as ENVELOPE_LIMITS } from '../crypto/envelope.js';
import { DOCS } from './entries.js';

export const LIMITS = {
  control: 512 * 1024, // welcome carries certificates
  batch: 512, // envelopes per frame
  frame: 4 * 1024 * 1024,
} as const;

const hex = (n: number) => v.pipe(v.string(), v.regex(new RegExp(`^[0-9a-f]{${n}}$`), `expected ${n} hex digits`));
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(ENVELOPE_LIMITS.name));
const doc = v.picklist(DOCS);

/** doc -> author (hex) -> highest contiguous seq held. */
const frontier = v.record(doc, v.record(hex(64), v.pipe(v.number(), v.integer(), v.minValue(0))));
export type Frontier = Partial<Record<(typeof DOCS)[number], Record<string, number>>>;

const range = v.strictObject({ doc, author: hex(64), from: v.pipe(v.number(), v.integer(), v.minValue(1)) });
export type Range = v.InferOutput<typeof range>;

const beacon = v.strictObject({
  tenant: name,
  meeting: name,
  author: hex(64),
  at: v.pipe(v.number(), v.integer(), v.minValue(0)),
  frontier,
  sig: hex(128),
});
export type SignedBeacon = v.InferOutput<typeof beacon>;

/** The largest signalling message (an SDP offer or one ICE candidate, JSON). */
export const SIGNAL_BYTES = 16 * 1024;

const certSchema = v.object({ body: v.record(v.string(), v.unknown()), sig: hex(128) });

export const clientMessage = v.variant('t', [
  /** `session`: from a login with the second factor (POST /api/<tenant>/login); needed by devices that have one. */
  v.strictObject({ t: v.literal('login'), tenant: name, meeting: name, device: hex(64), sig: hex(128), session: v.optional(hex(64)) }),
  /** `access`: the personal access link's token (PUB-1), needed where the body does not allow anonymous viewing. */
  v.strictObject({ t: v.literal('public'), tenant: name, meeting: name, access: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{20,100}$/))) }),
  v.strictObject({ t: v.literal('sync'), frontier }),
  v.strictObject({ t: v.literal('want'), ranges: v.pipe(v.array(range), v.maxLength(4096)) }),
  v.strictObject({ t: v.literal('beacon'), beacon }),
  v.strictObject({ t: v.literal('ping') }),
  /** A one-time ticket for the video socket /video (core/video-wire.ts), bound to this login. */
  v.strictObject({ t: v.literal('video') }),
  /** DIS-5: WebRTC signalling towards another logged-in device of the meeting (web/sync/peers.ts). */
  v.strictObject({ t: v.literal('signal'), to: hex(64), data: v.pipe(v.string(), v.maxLength(SIGNAL_BYTES)) }),
]);
export type ClientMessage = v.InferOutput<typeof clientMessage>;

export const serverMessage = v.variant('t', [
  v.strictObject({ t: v.literal('challenge'), nonce: hex(64), relay: name }),
  v.strictObject({
    t: v.literal('welcome'),
    role: v.picklist(['device', 'public']),
    person: v.nullable(v.string()),
    docs: v.array(doc),
    tenantKey: hex(64),
    certs: v.pipe(v.array(certSchema), v.maxLength(5000)),
    frontier,
  }),
  v.strictObject({ t: v.literal('want'), ranges: v.pipe(v.array(range), v.maxLength(4096)) }),
  v.strictObject({ t: v.literal('synced') }),
  v.strictObject({ t: v.literal('ack'), ids: v.array(hex(64)) }),
  v.strictObject({ t: v.literal('error'), code: v.string(), message: v.string(), id: v.optional(hex(64)) }),
  v.strictObject({ t: v.literal('beacon'), beacon }),
  v.strictObject({
    t: v.literal('presence'),
    devices: v.array(v.strictObject({ device: hex(64), person: v.string(), connected: v.boolean() })),
  }),
  /** VID-3 for the public: which members are connected, by person only (no device keys). */
  v.strictObject({ t: v.literal('present'), persons: v.pipe(v.array(v.pipe(v.string(), v.maxLength(128))), v.maxLength(5000)) }),
  v.strictObject({ t: v.literal('pong') }),
  v.strictObject({ t: v.literal('video'), ticket: hex(64) }),
  /** Certificates issued or revoked while connected. */
  v.strictObject({ t: v.literal('certs'), certs: v.pipe(v.array(certSchema), v.maxLength(5000)) }),
  /** DIS-5: signalling from another device of the meeting; `from` is the device the relay logged in. */
  v.strictObject({ t: v.literal('signal'), from: hex(64), data: v.pipe(v.string(), v.maxLength(SIGNAL_BYTES)) }),
]);
export type ServerMessage = v.InferOutput<typeof serverMessage>;

export const LOGIN_DOMAIN = 'ratsraum/login/v1\n';
export const loginInput = (nonce: string, tenant: string, meeting: string, relay: string): Uint8Array =>
  utf8(`${LOGIN_DOMAIN}${nonce}\n${tenant}\n${meeting}\n${relay}`);

export type Frame<M> = { type: 'control'; message: M } | { type: 'envelopes'; wires: Uint8Array[] };

export function encodeControl(m: ClientMessage | ServerMessage): Uint8Array {
  const body = utf8(JSON.stringify(m));
  const out = new Uint8Array(body.length + 1);
  out[0] = 0x01;
  out.set(body, 1);
  return out;
}

export function encodeEnvelopes(wires: Uint8Array[]): Uint8Array {
  const e = new Encoder().fixed(Uint8Array.of(0x02)).varuint(wires.length);
  for (const w of wires) e.bytes(w);
  return e.finish();
}

/** Splits envelopes into runs that each fit one envelopes frame: at most LIMITS.batch and `maxBytes` (at most LIMITS.frame), or one envelope. */
export function batches(wires: readonly Uint8Array[], maxBytes: number = LIMITS.frame): Uint8Array[][] {
  const limit = Math.min(maxBytes, LIMITS.frame);
  const out: Uint8Array[][] = [];
  let run: Uint8Array[] = [];
  let bytes = 8; // type byte and count
  for (const w of wires) {
    const size = w.length + 4; // length prefix of at most 3 bytes for a wire of at most 256 KiB
    if (run.length > 0 && (run.length === LIMITS.batch || bytes + size > limit)) {
      out.push(run);
      run = [];
      bytes = 8;
    }
    run.push(w);
    bytes += size;
  }
  if (run.length > 0) out.push(run);
  return out;
}

export function decodeFrame<M>(data: Uint8Array, schema: v.GenericSchema<unknown, M>): Frame<M> {
  if (!(data instanceof Uint8Array) || data.length === 0) throw new DecodeError('frame: empty');
  if (data.length > LIMITS.frame) throw new DecodeError(`frame: over ${LIMITS.frame} bytes`);
  if (data[0] === 0x01) {
    if (data.length - 1 > LIMITS.control) throw new DecodeError(`control: over ${LIMITS.control} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(fromUtf8(data.subarray(1)));
    } catch {
      throw new DecodeError('control: not UTF-8 JSON');
    }
    const r = v.safeParse(schema, json);
    if (!r.success) throw new DecodeError(`control: ${r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.')} ${i.message}`).join('; ')}`);
    return { type: 'control', message: r.output };
  }
  if (data[0] === 0x02) {
    const d = new Decoder(data.subarray(1));
    const n = d.varuint();
    if (n > LIMITS.batch) throw new DecodeError(`envelopes: more than ${LIMITS.batch} in one frame`);
    const wires = Array.from({ length: n }, () => d.bytes(ENVELOPE_LIMITS.wire));
    if (!d.done) throw new DecodeError('envelopes: trailing bytes');
    return { type: 'envelopes', wires };
  }
  throw new DecodeError(`frame: unknown type ${data[0]}`);
}

export const decodeClientFrame = (data: Uint8Array): Frame<ClientMessage> => decodeFrame(data, clientMessage);
export const decodeServerFrame = (data: Uint8Array): Frame<ServerMessage> => decodeFrame(data, serverMessage);
