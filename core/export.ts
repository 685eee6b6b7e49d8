/**
 * Export records (docs/PROTOCOL.md, "Export record"): everything needed to re-check a meeting offline,
 * and the check itself, used by `ratsraum verify` and by tests.
 */
import * as v from 'valibot';
import { fromBase64, fromHex, toBase64, toHex } from '../crypto/bytes.js';
import * as envelope from '../crypto/envelope.js';
import type { Envelope } from '../crypto/envelope.js';
import type { Cert } from '../crypto/cert.js';
import { type AuditReport, auditSecretVotes } from './audit.js';
import { DOCS, type DocName } from './entries.js';
import { type Integrity, Replica } from './replica.js';
import { type SessionState, stateHash } from './state.js';

export const FORMAT = 'ratsraum-export/v1';

const schema = v.strictObject({
  format: v.literal(FORMAT),
  tenant: v.string(),
  meeting: v.string(),
  docs: v.array(v.picklist(DOCS)),
  tenantKey: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  certs: v.array(v.object({ body: v.any(), sig: v.string() })),
  envelopes: v.array(v.string()),
});
export type ExportRecord = v.InferOutput<typeof schema>;

export function makeExport(r: Replica): ExportRecord {
  return {
    format: FORMAT,
    tenant: r.tenant,
    meeting: r.meeting,
    docs: [...r.docs],
    tenantKey: r.directory.tenantKeyHex,
    certs: r.directory.all(),
    envelopes: r.envelopes().map((e) => toBase64(e.wire)),
  };
}

export interface VerifyReport {
  ok: boolean;
  problems: string[]; // English, one line each
  envelopes: number;
  applied: number;
  stateHash: string | null;
  state: SessionState | null;
  integrity: Integrity | null;
  secret: AuditReport | null; // the check of every secret vote (docs/SECRET-BALLOTS.md)
}

/** Re-check every signature, certificate, chain and dependency of an export, then fold it. */
export async function verifyExport(input: unknown): Promise<VerifyReport> {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success)
    return { ok: false, problems: [`not a ${FORMAT} record: ${parsed.issues[0]?.message}`], envelopes: 0, applied: 0, stateHash: null, state: null, integrity: null, secret: null };
  const rec = parsed.output;
  const r = new Replica({ tenant: rec.tenant, meeting: rec.meeting, tenantKey: fromHex(rec.tenantKey, 32), docs: rec.docs as DocName[] });
  const problems: string[] = [];
  for (const c of rec.certs) if (!(await r.directory.add(c as Cert))) problems.push(`certificate of ${(c as Cert).body?.device ?? '?'} is not signed by the tenant key`);
  const wires: Uint8Array[] = [];
  rec.envelopes.forEach((b64, i) => {
    try {
      wires.push(fromBase64(b64));
    } catch {
      problems.push(`envelope #${i} is not base64`);
    }
  });
  const { rejected } = await r.receive(wires);
  // Naming a rejected entry's kind and author needs its envelope: decoded only when something was rejected.
  const byId = new Map<string, Envelope>();
  if (rejected.length > 0)
    for (const w of wires) {
      try {
        const e = envelope.decode(w);
        byId.set(e.id, e);
      } catch {
        // reported by receive()
      }
    }
  for (const x of rejected) {
    const e = x.id ? byId.get(x.id) : undefined;
    const who = e ? ` (${e.kind} by ${r.directory.get(toHex(e.author))?.person ?? `device ${toHex(e.author).slice(0, 16)}`})` : '';
    problems.push(`envelope ${x.id ?? '?'}${who} rejected: ${x.reason}`);
  }
  const integrity = r.integrity();
  for (const f of integrity.forks) problems.push(`fork: device ${f.author} signed ${f.ids.length} different entries for ${f.doc} seq ${f.seq}`);
  for (const g of integrity.gaps) problems.push(`gap: device ${g.author} in ${g.doc} has entries up to ${g.have}, then ${g.next}`);
  for (const d of integrity.danglingDeps) problems.push(`entry ${d.entry} depends on missing ${d.missing.join(', ')}`);
  const state = r.state;
  for (const v of state.votes)
    if (v.mode === 'secret' && v.status === 'closed' && !v.postal && !v.counts) problems.push(`secret vote ${v.id}: closed, but its result is not decrypted (${v.partials.filter((p) => !p.valid).length} invalid partial decryptions)`);
  const secret = auditSecretVotes(`${rec.tenant}/${rec.meeting}`, state, r.log.ordered());
  for (const p of secret.problems) problems.push(`secret vote ${p.vote}: ${p.detail} (${p.subject})`);
  return { ok: problems.length === 0, problems, envelopes: r.log.size, applied: r.log.ordered().length, stateHash: stateHash(state), state, integrity, secret };
}
