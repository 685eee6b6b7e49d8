/**
 * Export records (docs/PROTOCOL.md, "Export record"): everything needed to re-check a meeting offline,
 * and the check itself, used by `ratsraum verify` and by tests.
 */
import * as v from 'valibot';
import * as Y from 'yjs';
import { fromBase64, fromHex, toBase64, toHex } from '../crypto/bytes.js';
import { fingerprint } from '../crypto/hash.js';
import * as envelope from '../crypto/envelope.js';
import type { Envelope } from '../crypto/envelope.js';
import type { Cert } from '../crypto/cert.js';
import { type AuditReport, auditSecretVotes } from './audit.js';
import { CERT_NOTE, decodeEntry, DOCS, type DocName } from './entries.js';
import * as beacon from './beacon.js';
import { preds } from './log.js';
import { keyOf, mustSeal, setupSeals } from './sealed.js';
import { type Integrity, Replica } from './replica.js';
import { type SessionState, stateHash } from './state.js';
import type { SignedBeacon } from './wire.js';

/** v2 adds the signed heads (`beacons`); v1 records (no heads) stay verifiable. */
export const FORMAT = 'ratsraum-export/v2';
export const FORMAT_V1 = 'ratsraum-export/v1';

const beaconSchema = v.object({ tenant: v.string(), meeting: v.string(), author: v.string(), at: v.number(), frontier: v.record(v.string(), v.record(v.string(), v.number())), sig: v.string() });
const schema = v.strictObject({
  format: v.picklist([FORMAT, FORMAT_V1]),
  tenant: v.string(),
  meeting: v.string(),
  docs: v.array(v.picklist(DOCS)),
  tenantKey: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  certs: v.array(v.object({ body: v.any(), sig: v.string() })),
  envelopes: v.array(v.string()),
  beacons: v.optional(v.array(beaconSchema)),
});
export type ExportRecord = v.InferOutput<typeof schema>;

/** A record from its parts (the relay's store or a device's replica): every certificate version, envelopes in send order, the latest signed heads. */
export function makeRecord(p: { tenant: string; meeting: string; docs: readonly DocName[]; tenantKey: string; certs: Cert[]; wires: Uint8Array[]; beacons: SignedBeacon[] }): ExportRecord {
  const docs = new Set<string>(p.docs);
  // Heads of a doc the record does not carry would reveal (and claim) what it leaves out.
  const beacons = p.beacons.filter((b) => Object.keys(b.frontier).every((d) => docs.has(d)));
  return { format: FORMAT, tenant: p.tenant, meeting: p.meeting, docs: [...p.docs], tenantKey: p.tenantKey, certs: p.certs, envelopes: p.wires.map(toBase64), beacons };
}

/** A device's record of what it holds, with the heads it heard and (if it signs) its own, signed now. */
export async function makeExport(r: Replica): Promise<ExportRecord> {
  const own = r.deviceKey ? await r.makeBeacons() : [];
  return makeRecord({ tenant: r.tenant, meeting: r.meeting, docs: r.docs, tenantKey: r.directory.tenantKeyHex, certs: r.directory.all(), wires: r.envelopes().map((e) => e.wire), beacons: [...r.heldBeacons(), ...own] });
}

/**
 * ok: every check passed and the record is final (session closed, its close covered by the chair's signed
 * heads, every secret result decrypted). pending: every check passed, but the record is not final yet.
 * failed: something does not hold.
 */
export type Verdict = 'ok' | 'pending' | 'failed';

export interface VerifyOptions {
  /** The tenant key's fingerprint as the municipality publishes it (32 hex digits, spaces optional). */
  tenantKey?: string;
  /** Called as the check advances: signatures in chunks of RECEIVE_CHUNK envelopes, then the fold, the secret votes, the signed heads. */
  onProgress?: (p: VerifyProgress) => void;
}

export interface VerifyProgress {
  step: 'signatures' | 'fold' | 'secret' | 'heads';
  done: number;
  total: number;
}

/** Envelopes per receive() call: the same for every caller, so a progress callback never changes the verdict. */
const RECEIVE_CHUNK = 1000;

export interface VerifyReport {
  ok: boolean;
  verdict: Verdict;
  /** Fingerprint of the tenant key the record is signed under: compare it with the municipality's. */
  tenantKeyFingerprint: string | null;
  problems: string[]; // English, one line each
  pending: string[]; // why the record is not final, English
  envelopes: number;
  applied: number;
  stateHash: string | null;
  state: SessionState | null;
  integrity: Integrity | null;
  secret: AuditReport | null; // the check of every secret vote (docs/SECRET-BALLOTS.md)
}

/** Re-check every signature, certificate, chain and dependency of an export, then fold it. */
export async function verifyExport(input: unknown, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success)
    return { ok: false, verdict: 'failed', tenantKeyFingerprint: null, problems: [`not a ${FORMAT} record: ${parsed.issues[0]?.message}`], pending: [], envelopes: 0, applied: 0, stateHash: null, state: null, integrity: null, secret: null };
  const rec = parsed.output;
  const tenantKeyFingerprint = fingerprint(fromHex(rec.tenantKey, 32));
  const problems: string[] = [];
  const pending: string[] = [];
  if (opts.tenantKey !== undefined && opts.tenantKey.replace(/\s/g, '').toLowerCase() !== tenantKeyFingerprint.replace(/\s/g, ''))
    problems.push(`tenant key: the record is signed under ${tenantKeyFingerprint}, not under the expected ${opts.tenantKey}`);
  // Verifying happens after the fact: no entry's clock can be "ahead" of the verifier.
  const r = new Replica({ tenant: rec.tenant, meeting: rec.meeting, tenantKey: fromHex(rec.tenantKey, 32), docs: rec.docs as DocName[], now: () => Number.MAX_SAFE_INTEGER });
  for (const c of rec.certs) if (!(await r.directory.add(c as Cert))) problems.push(`certificate of ${(c as Cert).body?.device ?? '?'} is not signed by the tenant key`);
  const wires: Uint8Array[] = [];
  rec.envelopes.forEach((b64, i) => {
    try {
      wires.push(fromBase64(b64));
    } catch {
      problems.push(`envelope #${i} is not base64`);
    }
  });
  const rejected: { id?: string; reason: string }[] = [];
  const progress = opts.onProgress ?? (() => {});
  progress({ step: 'signatures', done: 0, total: wires.length });
  for (let i = 0; i < wires.length; i += RECEIVE_CHUNK) {
    rejected.push(...(await r.receive(wires.slice(i, i + RECEIVE_CHUNK))).rejected);
    progress({ step: 'signatures', done: Math.min(i + RECEIVE_CHUNK, wires.length), total: wires.length });
  }
  const byId = new Map<string, Envelope>();
  const listed: Envelope[] = [];
  for (const w of wires) {
    try {
      listed.push(envelope.decode(w));
    } catch {
      // reported by receive()
    }
  }
  problems.push(...listingProblems(listed, byId));
  for (const x of rejected) {
    const e = x.id ? byId.get(x.id) : undefined;
    const who = e ? ` (${e.kind} by ${r.directory.get(toHex(e.author))?.person ?? `device ${toHex(e.author).slice(0, 16)}`})` : '';
    problems.push(`envelope ${x.id ?? '?'}${who} rejected: ${x.reason}`);
  }
  const integrity = r.integrity();
  for (const f of integrity.forks) problems.push(`fork: device ${f.author} signed ${f.ids.length} different entries for ${f.doc} seq ${f.seq}`);
  for (const g of integrity.gaps) problems.push(`gap: device ${g.author} in ${g.doc} has entries up to ${g.have}, then ${g.next}`);
  for (const d of integrity.danglingDeps) problems.push(`entry ${d.entry} depends on missing ${d.missing.join(', ')}`);
  const listedCerts = new Set(rec.certs.map((c) => c.sig));
  for (const e of listed) {
    if (e.kind !== CERT_NOTE) continue;
    const c = (() => {
      try {
        return (decodeEntry(e.kind, e.payload).payload as { cert: Cert }).cert;
      } catch {
        return undefined;
      }
    })();
    if (c && !listedCerts.has(c.sig) && r.directory.holds(c.sig))
      problems.push(`rollback: the log records a certificate version of device ${String(c.body.device).slice(0, 16)} (${String(c.body.person)}${c.body.revoked !== undefined ? ', revoked' : ''}) that the record's certificates lack`);
  }
  progress({ step: 'fold', done: 0, total: 1 });
  const state = r.state;
  progress({ step: 'fold', done: 1, total: 1 });
  for (const v of state.votes)
    if (v.mode === 'secret' && v.status === 'closed' && !v.postal && !v.counts) {
      const bad = v.partials.filter((p) => !p.valid).length;
      if (v.decryption === 'failed') problems.push(`secret vote ${v.id}: the partial decryptions do not decrypt the sum`);
      else pending.push(`secret vote ${v.id}: closed, its result waits for the trustees (${v.partials.length - bad} valid, ${bad} invalid partial decryptions so far)`);
    }
  const secret = auditSecretVotes(`${rec.tenant}/${rec.meeting}`, state, r.log.ordered(), { onProgress: (done, total) => progress({ step: 'secret', done, total }) });
  for (const p of secret.problems) problems.push(`secret vote ${p.vote}: ${p.detail} (${p.subject})`);
  progress({ step: 'heads', done: 0, total: 1 });
  const heads = await headsCheck(rec, r, state);
  progress({ step: 'heads', done: 1, total: 1 });
  problems.push(...heads.problems);
  pending.push(...heads.pending);
  const verdict: Verdict = problems.length > 0 ? 'failed' : pending.length > 0 ? 'pending' : 'ok';
  return { ok: verdict === 'ok', verdict, tenantKeyFingerprint, problems, pending, envelopes: r.log.size, applied: r.log.ordered().length, stateHash: stateHash(state), state, integrity, secret };
}

/**
 * What a relay could get wrong in the listing itself: an envelope twice, one before its predecessor, a
 * payload that is no valid entry (not canonical JSON, not a Yjs update), a public envelope depending on a
 * members envelope. Fills `byId` with the listed envelopes.
 */
function listingProblems(listed: Envelope[], byId: Map<string, Envelope>): string[] {
  const problems: string[] = [];
  const index = new Map<string, number>();
  const sealedMeeting = listed.some(setupSeals);
  listed.forEach((e, i) => {
    if (index.has(e.id)) problems.push(`envelope ${e.id} is listed twice (#${index.get(e.id)} and #${i})`);
    else index.set(e.id, i);
    byId.set(e.id, e);
  });
  listed.forEach((e, i) => {
    for (const p of preds(e)) {
      const j = index.get(p);
      if (j !== undefined && j > i) problems.push(`envelope ${e.id} (#${i}) is listed before its predecessor ${p} (#${j})`);
      if (e.doc === 'public' && byId.get(p)?.doc === 'members') problems.push(`public envelope ${e.id} depends on the members envelope ${p}`);
    }
    try {
      // A sealed entry's payload is ciphertext: its format is checked here, its content by key holders only.
      if (mustSeal(sealedMeeting, e.doc, e.kind)) {
        if (keyOf(e.payload) === undefined) throw new Error("a members' entry of a sealed meeting must be sealed");
      } else if (e.kind === 'y') Y.decodeUpdate(e.payload);
      else decodeEntry(e.kind, e.payload);
    } catch (err) {
      problems.push(`envelope ${e.id} (#${i}) has an invalid payload: ${(err as Error).message}`);
    }
  });
  return problems;
}

/**
 * The signed heads in the record. Only the chair's count (a chair or deputy device, by the certificate
 * version that judges its own entries up to the heads it signed): every chain they signed to hold must be in
 * the record (a cut tail fails), and a closed session is final only when they cover its close. Heads of other
 * members warn devices live (core/replica.ts) but decide nothing here, or one member could fail any record by
 * claiming entries nobody has.
 */
async function headsCheck(rec: ExportRecord, r: Replica, state: SessionState): Promise<{ problems: string[]; pending: string[] }> {
  const problems: string[] = [];
  const pending: string[] = [];
  const have = r.frontier() as Record<string, Record<string, number> | undefined>;
  const chairs: SignedBeacon[] = [];
  for (const b of (rec.beacons ?? []) as SignedBeacon[]) {
    const signed = b.tenant === rec.tenant && b.meeting === rec.meeting && r.directory.get(b.author) !== undefined && (await beacon.check(b));
    if (!signed) problems.push(`signed heads of ${String(b.author).slice(0, 16)} at ${b.at} do not verify under a certificate of this tenant`);
    else if (r.isChairHeads(b)) chairs.push(b);
  }
  for (const b of chairs)
    for (const [doc, chains] of Object.entries(b.frontier))
      for (const [author, seq] of Object.entries(chains)) {
        const held = have[doc]?.[author] ?? 0;
        // Entries past a revocation's cut are no part of any record: a relay rightly refuses them.
        const judged = r.directory.judge(author, rec.meeting, doc, seq, Number.MAX_SAFE_INTEGER);
        if (judged && !judged.revoked && seq > held)
          problems.push(`cut: device ${b.author.slice(0, 16)} signed at ${b.at} that it held ${doc} entries 1..${seq} of ${author.slice(0, 16)}; the record has 1..${held}`);
      }
  if (state.session !== 'closed') pending.push(`the session is ${state.session}: the record is not final`);
  else if (rec.format !== FORMAT_V1) {
    const close = [...r.log.all()].find((e) => e.kind === 'session.close' && state.closedAt === e.hlc.wall);
    const covered = close && chairs.some((b) => (b.frontier.public?.[toHex(close.author)] ?? 0) >= close.seq);
    if (!covered) pending.push('no signed heads of the chair cover the close of the session: the record may lack its tail');
  }
  return { problems, pending };
}
