/**
 * The content keys one device holds for one meeting (docs/PROTOCOL.md "Sealed content"): learnt from the
 * `keys.wrap` entries of the log that name this device and its X25519 key, each checked against the id the
 * wrap names, and opened entries cached by id. Only the X25519 secret needs keeping: the keys follow from the log.
 */
import { type Bytes, fromHex, toHex } from '../crypto/bytes.js';
import type { Envelope } from '../crypto/envelope.js';
import * as seal from '../crypto/seal.js';
import { decodeEntry, type Payload } from './entries.js';
import type { Opener } from './fold.js';
import { openedKey, openPayload, WRAP_KIND, wrapContext } from './sealed.js';
import type { SessionState } from './state.js';

export class Keyring implements Opener {
  private readonly keys = new Map<string, Bytes>();
  private readonly tried = new Set<string>(); // wrap entries looked at
  private readonly opened = new Map<string, Bytes | null>(); // entry id -> plaintext (null: does not open)
  readonly dhPublic: string;

  constructor(
    readonly tenant: string,
    readonly meeting: string,
    readonly device: string, // hex Ed25519 key of this device
    private readonly dh: seal.DhKey,
  ) {
    this.dhPublic = toHex(dh.publicKey);
  }

  /** Keys from wraps for this device not looked at before; true when one was new. */
  learn(envs: Iterable<Envelope>): boolean {
    let added = false;
    for (const e of envs) {
      if (e.kind !== WRAP_KIND || e.doc !== 'members' || this.tried.has(e.id)) continue;
      this.tried.add(e.id);
      let p: Payload<'keys.wrap'>;
      try {
        p = decodeEntry(e.kind, e.payload).payload as Payload<'keys.wrap'>;
      } catch {
        continue;
      }
      if (p.to !== this.device || p.dh !== this.dhPublic || this.keys.has(p.key)) continue;
      const key = seal.unwrap({ epk: fromHex(p.epk, 32), ct: fromHex(p.ct, 48) }, this.dh, wrapContext(this.tenant, this.meeting, p.key, p.to));
      if (key && seal.keyId(key) === p.key) {
        this.keys.set(p.key, key);
        added = true;
      }
    }
    return added;
  }

  /** A key this device made itself (its own wrap follows at once). */
  add(key: Bytes): string {
    const id = seal.keyId(key);
    this.keys.set(id, key);
    return id;
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  get(id: string): Bytes | undefined {
    return this.keys.get(id);
  }

  get size(): number {
    return this.keys.size;
  }

  open(e: Envelope): Bytes | undefined {
    const was = openedKey(e);
    if (was !== undefined) return this.keys.has(was) ? e.payload : undefined;
    let p = this.opened.get(e.id);
    if (p === undefined) {
      const key = this.keys.get(toHex(e.payload.subarray(1, 17)));
      if (!key) return undefined; // not cached: the key may come with a later wrap
      p = openPayload(e, key) ?? null;
      this.opened.set(e.id, p);
    }
    return p ?? undefined;
  }

  /** The payload of a wrap of `key` for a device at its X25519 key. */
  wrapFor(key: Bytes, item: string | null, to: string, dh: string): Payload<'keys.wrap'> {
    const id = seal.keyId(key);
    const w = seal.wrap(key, fromHex(dh, 32, 'dh'), wrapContext(this.tenant, this.meeting, id, to));
    return { key: id, item, to, dh, epk: toHex(w.epk), ct: toHex(w.ct) };
  }
}

/**
 * The item whose key seals an entry (null: the meeting key): an entry naming a non-public item, or a vote of
 * one. Conflicts (declared, confirmed) go under the meeting key: the member concerned gets no key of that item.
 */
export function scopeOf(state: SessionState, kind: string, payload: unknown): string | null {
  if (kind === 'y' || kind.startsWith('conflict.') || !payload || typeof payload !== 'object') return null;
  const p = payload as { item?: unknown; vote?: unknown };
  const item = typeof p.item === 'string' ? p.item : typeof p.vote === 'string' ? (state.votes.find((v) => v.id === p.vote && v.doc === 'members')?.item ?? null) : null;
  return item !== null && state.agenda.some((i) => i.id === item && !i.public) ? item : null;
}

/** The current key of a scope this device holds: the last one created of the item, else of the meeting. */
export function sealingKey(state: SessionState, ring: Keyring, item: string | null): string | undefined {
  const held = (scope: string | null) => state.e2e.keys.filter((k) => k.item === scope && ring.has(k.id)).at(-1)?.id;
  return (item !== null ? held(item) : undefined) ?? held(null);
}
