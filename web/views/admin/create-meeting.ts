/**
 * Creates a meeting from a plan (setup.ts) as the administration's device: a device key of this browser,
 * certified by the tenant key it holds, signs the legal basis, the setup and the agenda, and the sync
 * client hands them to the relay. The fold's verdict is checked first: a meeting outside its legal basis
 * (LEG-1) is refused here with the reason, before anything leaves the device.
 */
import * as Y from 'yjs';
import { fromHex, toHex } from '../../../crypto/bytes.js';
import { type Cert, issue } from '../../../crypto/cert.js';
import { generateSeed, publicKeyOf, type Signer } from '../../../crypto/ed25519.js';
import { Replica } from '../../../core/replica.js';
import { rulesFromSettings } from '../../../core/rules/disruptions.js';
import { basisOf } from '../../../core/rules/session.js';
import { lang } from '../../i18n/index.js';
import { ApiError } from '../../identity.js';
import { heldDh, heldKey, keepDh, keepKey } from '../../store/keys.js';
import { type DhKey, generateDh } from '../../../crypto/seal.js';
import { keyDuty } from '../../../core/key-duty.js';
import { SyncClient } from '../../sync/client.js';
import type { AdminContext } from './Admin.js';
import type { PlannedMeeting } from './setup.js';

const SLOT = '#admin-device';

/** The administration's device, with its X25519 key (an older one made before end-to-end encryption has none). */
async function adminDevice(ctx: AdminContext): Promise<{ signer: Signer; cert?: Cert; dh?: DhKey }> {
  const held = await heldKey(ctx.tenant, SLOT);
  if (held) return { signer: held.signer, dh: await heldDh(ctx.tenant, SLOT) };
  const seed = generateSeed();
  const publicKey = publicKeyOf(seed);
  const dh = generateDh();
  await keepDh(ctx.tenant, SLOT, dh.secretKey);
  const now = Date.now();
  const cert = await issue({ v: 1, tenant: ctx.tenant, person: 'verwaltung', name: 'Verwaltung', device: toHex(publicKey), dh: toHex(dh.publicKey), roles: ['admin', 'staff'], bodies: [], notBefore: now - 60_000, notAfter: now + 2 * 365 * 86_400_000 }, ctx.signer);
  await ctx.call('certify', { cert });
  return { signer: await keepKey(ctx.tenant, SLOT, seed, ''), cert, dh };
}

export async function createMeeting(ctx: AdminContext, plan: PlannedMeeting, hybridClauseAdopted?: string): Promise<void> {
  const data = ctx.data();
  if (!data) throw new Error('directory not loaded');
  const { signer, cert, dh } = await adminDevice(ctx);
  const tenantKey = fromHex(data.tenantKey, 32);
  const meeting = plan.setup.meeting.id;
  const replica = new Replica({ tenant: ctx.tenant, meeting, tenantKey, docs: ['public', 'members'], signer, dh });
  await replica.addCerts([...data.certs, ...(cert ? [cert] : [])]);
  if (replica.log.size > 0 || data.meetings.some((m) => m.id === meeting)) throw new Error(`meeting ${meeting} exists already`);
  if (hybridClauseAdopted) await replica.create('legal.clause', { allowsHybridCommittees: true, adoptedAt: hybridClauseAdopted });
  // End-to-end encryption of the members' document (docs/PROTOCOL.md "Sealed content") where this device can hold its key.
  await replica.create('meeting.setup', dh ? { ...plan.setup, meeting: { ...plan.setup.meeting, sealed: true } } : plan.setup);
  await replica.create('disruption.rules', rulesFromSettings(data.settings.values)); // DIS-3, DIS-4: carried into the log
  if (dh) await keyDuty(replica, new Set()); // the meeting key, wrapped for every device of the body, before the non-public agenda
  for (const doc of ['public', 'members'] as const) {
    const ydoc = new Y.Doc();
    const items = ydoc.getArray<Y.Map<unknown>>('agenda');
    for (const a of plan.agenda.filter((x) => x.public === (doc === 'public'))) {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(a)) m.set(k, v);
      items.push([m]);
    }
    if (items.length > 0) await replica.createY(Y.encodeStateAsUpdate(ydoc), doc);
  }
  const refused = replica.state.rejected[0];
  if (refused) {
    // The missing legal basis is the refusal an administration meets: said in the UI's language.
    const basis = basisOf(plan.setup, replica.state.legal);
    if (!basis.ok) throw new ApiError(lang() === 'de' ? basis.reason.de : basis.reason.en, 'legal-basis', 400);
    throw new Error(refused.reason);
  }
  // Outside demo mode every device brings a session to the sync endpoint; the tenant key asks for this one.
  const { session } = await ctx.call<{ session: string }>('session', { device: toHex(signer.publicKey) });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      client.stop();
      fail(new Error('the relay did not confirm the meeting in time'));
    }, 20_000);
    const client = new SyncClient({
      urls: [`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`],
      replica,
      auth: { tenant: ctx.tenant, meeting, signer, session: () => session },
      onStatus: (s) => {
        if (s !== 'online') return;
        clearTimeout(timer);
        client.stop();
        ok();
      },
    });
    client.start();
  });
}
