/**
 * What a device does by itself in a sealed meeting (DESIGN.md "Who may receive what"): the chair's, deputy's or
 * administration's device creates the meeting key; the chair's or deputy's device creates the key of the
 * current non-public item; every device that holds a current key wraps it for each entitled device that has
 * no wrap of it yet (enrolled or re-keyed later). A current key that reached a device no longer entitled (a
 * revoked device, or BEF-1 a member with a conflict of interest on the item) is replaced by a new one.
 * Entitled: a device of the body (or the administration) whose certificate names an X25519 key, not revoked,
 * not expired; for an item's key, not of a person with a conflict on that item. Duplicate wraps (two holders
 * at once) are harmless.
 */
import type { CertBody } from '../crypto/cert.js';
import { generateKey } from '../crypto/seal.js';
import { grants } from './fold.js';
import type { Replica } from './replica.js';
import { excludedFromItem } from './rules/conflicts.js';
import { CHAIR } from './rules/roles.js';
import type { ContentKey, SessionState } from './state.js';

interface Device {
  device: string;
  dh: string;
  person: string;
}

function entitled(r: Replica, state: SessionState, now: number): Device[] {
  const body = state.body?.id;
  const out = new Map<string, Device>();
  for (const c of r.directory.all()) {
    const b = r.directory.get(c.body.device)!;
    if (!b.dh || b.revoked !== undefined || b.notAfter < now || b.tenant !== r.tenant) continue;
    if (!b.roles.includes('admin') && (body === undefined || !b.bodies.includes(body))) continue;
    out.set(b.device, { device: b.device, dh: b.dh, person: b.person });
  }
  return [...out.values()].sort((a, b) => (a.device < b.device ? -1 : 1));
}

const conflicted = (state: SessionState, item: string | null) => new Set(item === null ? [] : excludedFromItem(state, item));

/** One round of the duty: the entries it wrote (0 when nothing was to do). `attempted` keeps a wrap from being retried. */
export async function keyDuty(r: Replica, attempted: Set<string>, now = Date.now()): Promise<number> {
  const ring = r.keyring;
  const state = r.state;
  const meDevice = r.deviceKey;
  if (!ring || !meDevice || !state.e2e.sealed || !state.body) return 0;
  const me: CertBody | undefined = r.directory.get(meDevice);
  if (!me || me.dh !== ring.dhPublic || me.revoked !== undefined) return 0;
  const chair = grants(me, CHAIR, state.body.id);
  const devices = entitled(r, state, now);
  const byDevice = new Map(devices.map((d) => [d.device, d]));
  let written = 0;

  const handle = async (item: string | null, mayCreate: boolean) => {
    const excluded = conflicted(state, item);
    const mine = devices.filter((d) => !excluded.has(d.person));
    const current: ContentKey | undefined = state.e2e.keys.filter((k) => k.item === item).at(-1);
    const wraps = current ? state.e2e.wraps.filter((w) => w.key === current.id) : [];
    const stale = wraps.some((w) => !byDevice.has(w.device) || excluded.has(w.person));
    if (!current || stale) {
      if (!mayCreate) return;
      const fresh = generateKey();
      const tag = `new ${item ?? ''} ${current?.id ?? ''}`;
      if (attempted.has(tag)) return;
      attempted.add(tag);
      r.holdKey(fresh);
      for (const d of [...mine].sort((a, b) => (a.device === meDevice ? -1 : b.device === meDevice ? 1 : 0))) {
        await r.create('keys.wrap', ring.wrapFor(fresh, item, d.device, d.dh), 'members');
        written++;
      }
      return;
    }
    const key = ring.get(current.id);
    if (!key) return;
    for (const d of mine) {
      const tag = `${current.id} ${d.device} ${d.dh}`;
      if (attempted.has(tag) || wraps.some((w) => w.device === d.device && w.dh === d.dh)) continue;
      attempted.add(tag);
      await r.create('keys.wrap', ring.wrapFor(key, item, d.device, d.dh), 'members');
      written++;
    }
  };

  await handle(null, chair || me.roles.includes('admin'));
  const item = state.currentItem;
  if (item !== null && state.agenda.some((i) => i.id === item && !i.public)) await handle(item, chair);
  for (const k of new Set(state.e2e.keys.filter((x) => x.item !== null && x.item !== item).map((x) => x.item!))) await handle(k, false);
  return written;
}

/** Runs the duty whenever the replica changes, one round at a time; returns a function that stops it. */
export function watchKeys(r: Replica, onError: (e: Error) => void = () => {}): () => void {
  const attempted = new Set<string>();
  let running = false;
  let again = false;
  let stopped = false;
  const run = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        if (!stopped) await keyDuty(r, attempted);
      } while (again && !stopped);
    } catch (e) {
      onError(e as Error);
    } finally {
      running = false;
    }
  };
  // Only a meeting whose setup may seal it costs a fold here; the others never call the duty.
  const off = r.onChange(() => r.mayBeSealed && void setTimeout(run, 0));
  if (r.mayBeSealed) void run();
  return () => {
    stopped = true;
    off();
  };
}
