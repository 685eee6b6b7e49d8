/**
 * `ratsraum minutes` (the minutes of a meeting from the relay's store, as PDF or as the minutes record JSON)
 * and `ratsraum verify <record> --minutes <pdf>` (whether a minutes PDF shows exactly what the record yields).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeRecord, verifyExport } from '../core/export.js';
import { minutesRecord } from '../core/minutes.js';
import { foldRecord } from '../core/verify-minutes.js';
import { minutesPdf } from './minutes-pdf.js';
import { checkMinutesPdf } from './minutes-pdf-read.js';
import { openStore } from './store-open.js';

const fail = (message: string, code = 2) => {
  console.error(message);
  return code;
};

export async function minutesCmd(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, store: { type: 'string' }, tenant: { type: 'string' }, meeting: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, lang: { type: 'string' } } });
  if (!values.tenant || !values.meeting) return fail('minutes needs --tenant and --meeting');
  if (!values.out && !values.json) return fail('minutes needs --out FILE.pdf, or --json for the minutes record on standard output');
  const lang = values.lang ?? 'de';
  if (lang !== 'de' && lang !== 'en') return fail('--lang: de or en');
  const store = await openStore(resolve(values.data ?? process.env.RATSRAUM_DATA ?? 'data'), values.store);
  let record;
  try {
    const tenantKey = await store.tenantKey(values.tenant);
    if (!tenantKey) return fail(`unknown tenant '${values.tenant}'`);
    const docs = ['public', 'members'] as const;
    record = makeRecord({ tenant: values.tenant, meeting: values.meeting, docs, tenantKey, certs: await store.certs(values.tenant), wires: (await store.all(values.tenant, values.meeting, docs)).map((e) => e.wire), beacons: await store.beacons(values.tenant, values.meeting) });
  } finally {
    await store.close();
  }
  // Minutes rest on a record that passes its own check; an open session gives a draft.
  const report = await verifyExport(record);
  if (report.verdict === 'failed') {
    console.error(`the record of ${values.tenant}/${values.meeting} fails its check; no minutes are written:`);
    for (const p of report.problems) console.error(`  problem: ${p}`);
    return 1;
  }
  for (const p of report.pending) console.error(`  pending: ${p}`);
  const r = await foldRecord(record);
  const m = minutesRecord(r.state, [...r.log.ordered()], r.directory, lang);
  if (values.json) console.log(JSON.stringify(m, null, 1));
  if (values.out) {
    writeFileSync(values.out, await minutesPdf(m));
    console.error(`minutes of ${values.tenant}/${values.meeting} written to ${values.out}: hash ${m.hash}, record head ${m.recordHead}, ${m.signatures.length} signature(s)`);
  }
  return 0;
}

/** Exit 0 when the record is ok and the PDF matches it, 3 when it matches a pending record, 1 on any mismatch, 2 when a file cannot be read. */
export async function verifyMinutesCmd(recordFile: string, pdfFile: string, tenantKey?: string): Promise<number> {
  let record: unknown;
  let pdf: Uint8Array;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8'));
    pdf = new Uint8Array(readFileSync(pdfFile));
  } catch (e) {
    return fail(`cannot read ${(e as Error).message}`);
  }
  const c = await checkMinutesPdf(pdf, record, tenantKey !== undefined ? { tenantKey } : {});
  const problems = [...c.report.problems, ...c.problems, ...c.pdf];
  const verdict = problems.length > 0 ? 'failed' : c.report.verdict;
  console.log(`MINUTES ${verdict.toUpperCase()}: ${pdfFile} against ${recordFile} (record ${c.report.verdict}, ${c.report.envelopes} envelopes)`);
  if (c.report.tenantKeyFingerprint) console.log(`tenant key fingerprint: ${c.report.tenantKeyFingerprint}${tenantKey === undefined ? ' (NOT CHECKED: pass --tenant-key)' : ''}`);
  if (c.expected) console.log(`minutes hash ${c.expected.hash}, record head ${c.expected.recordHead}, ${c.expected.signatures.length} signature(s): ${c.expected.signatures.map((s) => `${s.name} at ${new Date(s.at).toISOString()}`).join(', ') || 'none'}`);
  for (const p of problems) console.log(`  problem: ${p}`);
  for (const p of c.report.pending) console.log(`  pending: ${p}`);
  for (const n of c.notes) console.log(`  note: ${n}`);
  return verdict === 'ok' ? 0 : verdict === 'pending' ? 3 : 1;
}
