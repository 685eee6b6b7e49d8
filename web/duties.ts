/**
 * The entries this device owes without anyone clicking: as a named trustee, the steps of the key
 * generation; as a drawer, its lot commitment and reveal (core/duties.ts). Their secrets are made here,
 * kept in IndexedDB on this device only, and never put into an entry. A partial decryption is not
 * automatic: the trustee releases it with a button (VotePanel).
 */
import { fromHex, randomBytes, toHex } from '../crypto/bytes.js';
import { certNoteStep, keyStep, lotStep, type Step } from '../core/duties.js';
import type { Session } from './session.js';
import * as idb from './store/idb.js';

/** A secret of this device for `name`, made on first use. */
export async function deviceSecret(tenant: string, meeting: string, name: string): Promise<Uint8Array> {
  const known = (await idb.getMeta(tenant, meeting)).secrets?.[name];
  if (known) return fromHex(known, 32, name);
  // Made and kept in one transaction: concurrent callers all get the one secret that was stored.
  const meta = await idb.updateMeta(tenant, meeting, (m) => (m.secrets?.[name] ? m : { ...m, secrets: { ...m.secrets, [name]: toHex(randomBytes(32)) } }));
  return fromHex(meta.secrets![name]!, 32, name);
}

export function startDuties(s: Session, tenant: string, meeting: string): () => void {
  const ref = `${tenant}/${meeting}`;
  let running = false;
  let again = false;
  const next = async (): Promise<{ step: Step; doc: 'public' | 'members' } | null> => {
    const me = s.me()?.person;
    const device = s.replica.deviceKey;
    if (!me || !device) return null;
    const st = s.replica.state;
    for (const key of st.keys) {
      if (key.status !== 'setup' || !key.trustees.includes(me)) continue;
      const step = keyStep(ref, key, me, device, await deviceSecret(tenant, meeting, `key:${key.id}`), [...s.replica.log.ordered()]);
      if (step) return { step, doc: 'public' };
    }
    const note = certNoteStep(st, s.me(), s.replica.directory.all(), s.replica.log.all());
    if (note) return { step: note, doc: 'public' };
    for (const v of st.votes) {
      if (!v.lot?.drawers.includes(me) || v.lot.order) continue;
      const step = lotStep(v, me, await deviceSecret(tenant, meeting, `lot:${v.id}`));
      if (step) return { step, doc: v.doc };
    }
    return null;
  };
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      for (let i = 0; i < 8; i++) {
        const owed = await next();
        if (!owed) break;
        await s.act(owed.step.kind, owed.step.payload as never, owed.doc);
      }
    } catch (e) {
      console.warn('duties:', (e as Error).message);
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  const off = s.replica.onChange(() => void run());
  void run();
  return off;
}
