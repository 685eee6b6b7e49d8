/**
 * MIN-2, VOTE-5: the minutes PDF as a reader and as a forger meet it. The session is played on real replicas
 * (test/helpers/minutes-session.ts), signed by the chair and the minute-taker, and stored in a relay's SQLite
 * store; `ratsraum minutes` and `ratsraum verify --minutes` run as the CLI. The PDF's text is read back with
 * pdf.js (Mozilla's reader, independent of the pdf-lib that wrote it); forgeries change the PDF's bytes the
 * way a forger with pdf-lib would.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, fromUtf8, toBase64, toHex } from '../../crypto/bytes.js';
import type { ExportRecord } from '../../core/export.js';
import { minutesHash, type MinutesRecord, minutesRecord } from '../../core/minutes.js';
import { minutesPdf } from '../../relay/minutes-pdf.js';
import { checkMinutesPdf, readPdf } from '../../relay/minutes-pdf-read.js';
import { openSqlite } from '../../relay/store.js';
import { scopeOf } from '../../relay/sync/rooms.js';
import { DRAFT, MEETING, minutesSession, TENANT } from '../helpers/minutes-session.js';
import { pageTexts } from '../helpers/pdf-text.js';
import { cleanup, tempDir } from '../helpers/relay.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/** `ratsraum …` as a child process: its exit code and what it printed. */
async function ratsraum(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'relay', 'cli.ts'), ...args], { cwd: ROOT, timeout: 120_000, maxBuffer: 64 << 20 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

type Session = Awaited<ReturnType<typeof minutesSession>>;
let s: Session;
let dir: string;
let pdfFile: string;
let recordFile: string;
let pdf: Uint8Array;
let record: ExportRecord;
let data: MinutesRecord;
let text: string;
let pages: string[];

beforeAll(async () => {
  s = await minutesSession();
  // Chair and minute-taker sign the minutes' hash (minutes.sign, core/rules/minutes.ts).
  const hash = minutesRecord(s.chair.state, [...s.chair.log.ordered()], s.chair.directory).hash;
  await s.act('chair', 'minutes.sign', { hash }, 'members');
  await s.act('clerk', 'minutes.sign', { hash }, 'members');
  // The relay's store holds what the devices sent: tenant key, certificates, envelopes, the chair's signed heads.
  dir = tempDir();
  const store = openSqlite(join(dir, 'relay.sqlite'));
  await store.putTenant(TENANT, toHex(s.admin.publicKey));
  for (const c of s.certs) await store.putCert(c);
  for (const e of s.chair.envelopes()) await store.insert(TENANT, MEETING, { doc: e.doc, author: toHex(e.author), seq: e.seq, id: e.id, wire: e.wire });
  for (const b of await s.chair.makeBeacons()) await store.putBeacon(TENANT, MEETING, scopeOf(b), b);
  await store.close();
  pdfFile = join(dir, 'minutes.pdf');
  recordFile = join(dir, 'record.json');
  const made = await ratsraum('minutes', '--data', dir, '--tenant', TENANT, '--meeting', MEETING, '--out', pdfFile);
  expect(made.code, made.err).toBe(0);
  const exported = await ratsraum('export', '--data', dir, '--tenant', TENANT, '--meeting', MEETING);
  expect(exported.code, exported.err).toBe(0);
  writeFileSync(recordFile, exported.out);
  record = JSON.parse(exported.out) as ExportRecord;
  pdf = new Uint8Array(readFileSync(pdfFile));
  data = (await readPdf(pdf)).attachment as MinutesRecord;
  pages = await pageTexts(pdf);
  text = pages.join(' ');
}, 300_000);

afterAll(() => cleanup(dir));

/** Writes a changed copy of the minutes PDF and returns `ratsraum verify --minutes` on it. */
async function verifyCopy(name: string, bytes: Uint8Array, rec: string = recordFile) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return ratsraum('verify', rec, '--minutes', file);
}

describe('the minutes PDF', () => {
  it('MIN-2 the PDF read back by pdf.js shows each fact: legal basis, agenda as held, attendance, quorum, open, roll-call and secret votes, run-off and lot, postal result, non-public part, conflict, orders, recording, draft texts', () => {
    for (const fact of [
      'Bezirksvertretung Łódź-Süd',
      '§ 58a GO NRW',
      'Genehmigung der Tagesordnung',
      'Grundstücksangelegenheit Łąkowa',
      'Anwesenheit und Beschlussfähigkeit',
      'Beschlussfähig',
      'offene Abstimmung',
      'Nach Fraktionen',
      'namentliche Abstimmung',
      'Namentlich',
      'im Saal erfasst durch Anna Schmitz',
      'geheime Abstimmung',
      '6 verschlüsselte Stimmzettel gezählt',
      'Stichwahl zwischen Łukasz Kowalski, Zeynep Çelik',
      'Losschlüssel',
      'Ergebnis der Briefwahl',
      'Zu wenige Treuhänder erreichbar',
      'Ausschluss der Öffentlichkeit',
      'Befangenheit',
      'Ton stummgeschaltet',
      'ausgeschlossen für den Rest des Tagesordnungspunkts',
      'Raum gesperrt',
      'Aufzeichnung',
      'Rechenzentrum der Stadt',
      DRAFT['item:i2'],
      DRAFT.remarks,
    ])
      expect(text).toContain(fact);
    const e2 = (data.minutes.sections.find((x) => x.id === 'votes')!.facts as { votes: { id: string; elected: string }[] }).votes.find((v) => v.id === 'e2')!;
    expect(text).toContain(`gewählt: ${{ a: 'Łukasz Kowalski', b: 'Zeynep Çelik' }[e2.elected]}`);
    // Every string the data draws is on the pages pdf.js reads (the PDF hides nothing of its data).
    const m = data.minutes;
    for (const sec of m.sections) expect(text).toContain(sec.title);
    const v2 = m.sections.find((x) => x.id === 'votes')!.blocks.find((b) => b.type === 'table' && b.caption === 'Namentlich');
    for (const row of (v2 as { rows: string[][] }).rows) expect(text).toContain(row.join(' '));
  });

  it('VOTE-5 the postal result is printed marked as postal ballot, with its counts, under its vote', () => {
    const at = text.indexOf('Abstimmung: Baumschutzsatzung');
    expect(at).toBeGreaterThan(0);
    const part = text.slice(at, at + 700);
    expect(part).toMatch(/Stimmabgabe BRIEFWAHL Briefwahl angeordnet \S+: Zu wenige Treuhänder erreichbar Ergebnis der Briefwahl eingetragen \S+/);
    // A page break may fall between the result and its table: the footer of the page then stands between them.
    expect(part).toMatch(/Ergebnis der Briefwahl angenommen (?:Seite \d+ von \d+ Niederschrift: [^·]+ · [0-9a-f]{16} )?Ergebnis der Briefwahl Stimme Stimmen Ja 4 Nein 2 Enthaltung 1/);
    expect(text.match(/BRIEFWAHL/g)).toHaveLength(1);
  });

  it('MIN-2 names with non-Latin-1 letters round-trip through the embedded font subsets', async () => {
    for (const name of ['Łukasz Kowalski', 'Zeynep Çelik', 'Ğülşen Doğan', 'Łódź-Süd', 'Radweg Şehir-Allee']) expect(text).toContain(name);
    expect(text).not.toContain('\uFFFD');
    const doc = await PDFDocument.load(pdf);
    const programs = doc.context.enumerateIndirectObjects().filter(([, o]) => o instanceof PDFDict && o.get(PDFName.of('FontFile2'))).map(([, o]) => (o as PDFDict).lookup(PDFName.of('FontFile2')) as PDFRawStream);
    expect(programs).toHaveLength(2);
    const full = readFileSync(join(ROOT, 'node_modules', 'dejavu-fonts-ttf', 'ttf', 'DejaVuSans.ttf')).length;
    for (const p of programs) expect(decodePDFRawStream(p).decode().length).toBeLessThan(full / 5); // subsets, not the whole font
  });

  it('MIN-2 pages are numbered and the last page carries the record head, the minutes hash and both signatures', () => {
    pages.forEach((p, i) => expect(p).toContain(`Seite ${i + 1} von ${pages.length}`));
    const last = pages.at(-1)!;
    expect(data.signatures.map((x) => x.name)).toEqual(['Anna Schmitz', 'Jana Nowak']);
    for (const x of data.signatures) expect(last).toContain(`${x.name}`);
    expect(last).toContain(data.recordHead);
    expect(last.match(new RegExp(data.hash, 'g'))!.length).toBe(3); // the hash, and once per signature of this version
    expect(data.hash).toBe(minutesHash(data.minutes));
  });

  it('MIN-2 PDF/A-3B metadata: XMP with pdfaid, a document ID, the attachment as an associated file, keywords with head and hash', async () => {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const xmp = fromUtf8((doc.catalog.lookup(PDFName.of('Metadata')) as PDFRawStream).getContents());
    expect(xmp).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(xmp).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(xmp).toContain(`<xmpMM:DocumentID>uuid:${data.hash.slice(0, 8)}-`);
    expect(String(doc.context.trailerInfo.ID).toLowerCase()).toContain(`<${data.hash.slice(0, 32)}>`);
    const af = doc.catalog.lookup(PDFName.of('AF'), PDFArray).lookup(0, PDFDict);
    expect(String(af.get(PDFName.of('AFRelationship')))).toBe('/Data');
    const meta = await (await getDocument({ data: pdf.slice() }).promise).getMetadata();
    expect((meta.info as { Keywords: string }).Keywords).toContain(`head:${data.recordHead} hash:${data.hash}`);
  });

  it('MIN-2 PDF/A-3B output intent and fonts: an sRGB ICC profile as GTS_PDFA1 intent, every font embedded as a tagged subset', async () => {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const intent = doc.catalog.lookup(PDFName.of('OutputIntents'), PDFArray).lookup(0, PDFDict);
    expect(String(intent.get(PDFName.of('S')))).toBe('/GTS_PDFA1');
    const profile = intent.lookup(PDFName.of('DestOutputProfile')) as PDFRawStream;
    const icc = decodePDFRawStream(profile).decode();
    expect(String(profile.dict.get(PDFName.of('N')))).toBe('3');
    expect(fromUtf8(icc.slice(36, 40))).toBe('acsp'); // the ICC header's signature
    expect(fromUtf8(icc.slice(16, 20))).toBe('RGB '); // its colour space
    const names: string[] = [];
    for (const [, obj] of doc.context.enumerateIndirectObjects()) {
      if (obj instanceof PDFDict && String(obj.get(PDFName.of('Type'))) === '/FontDescriptor') {
        names.push(String(obj.get(PDFName.of('FontName'))));
        expect(obj.get(PDFName.of('FontFile2'))).toBeDefined(); // the glyphs are in the file
      }
    }
    for (const n of names) expect(n).toMatch(/^\/[A-Z]{6}\+/);
    expect(names.map((n) => n.slice(8)).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    expect(Buffer.from(await minutesPdf(data)).equals(Buffer.from(pdf))).toBe(true); // same data, same bytes
  });

  it('MIN-2 a table longer than a page breaks across pages with its header row repeated', async () => {
    const long = structuredClone(data);
    const rows = Array.from({ length: 160 }, (_, i) => [`${10 + (i % 50)}:00:00`, `Zeile Łukasz ${i}`, 'angemeldet (digital)', '']);
    long.minutes.sections[2]!.blocks.push({ type: 'table', caption: 'Lange Tabelle', head: ['Zeit', 'Name', 'Veränderung', 'Erfasst durch'], rows });
    const p = await pageTexts(await minutesPdf(long));
    const holding = p.filter((t) => /Zeile Łukasz \d+/.test(t));
    expect(holding.length).toBeGreaterThanOrEqual(3);
    holding.slice(1).forEach((t) => expect(t).toMatch(/Lange Tabelle \(Fortsetzung\) Zeit Name Veränderung Erfasst durch/));
    for (let i = 0; i < 160; i++) expect(p.join(' ')).toContain(`Zeile Łukasz ${i} `);
  });
});

describe('ratsraum verify --minutes', () => {
  it('MIN-2 the PDF written from the relay store passes against the exported record (exit 0)', async () => {
    const r = await ratsraum('verify', recordFile, '--minutes', pdfFile);
    expect(r.out).toContain('MINUTES OK');
    expect(r.out).toContain('2 signature(s): Anna Schmitz');
    expect(r.code).toBe(0);
  });

  it('MIN-2 a changed fact on a page fails (exit 1), naming page, place and both texts', async () => {
    // The forger turns "angenommen" of the postal result into "abgelehnt" with glyphs the subset already has.
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const read = await readPdf(pdf);
    const label = read.drawn.find((d) => d.text === 'Ergebnis der Briefwahl' && read.drawn.some((x) => x.page === d.page && x.y === d.y && x.text === 'angenommen'))!;
    const target = read.drawn.find((x) => x.page === label.page && x.y === label.y && x.text === 'angenommen')!;
    const page = doc.getPages()[target.page - 1]!;
    const contents = page.node.Contents()!;
    const ref = contents instanceof PDFArray ? contents.get(0) : page.node.get(PDFName.of('Contents'));
    const stream = doc.context.lookup(ref) as PDFRawStream;
    const ops = new TextDecoder('latin1').decode(decodePDFRawStream(stream).decode());
    const at = ops.indexOf(`1 0 0 1 ${target.x} ${target.y} Tm`);
    expect(at).toBeGreaterThan(0);
    // The glyph codes of the font this run is drawn with, from its ToUnicode map: character -> code.
    const font = /\/(\S+) [\d.]+ Tf/.exec(ops.slice(ops.lastIndexOf('BT', at), at))![1]!;
    const fontDict = page.node.Resources()!.lookup(PDFName.of('Font'), PDFDict).lookup(PDFName.of(font), PDFDict);
    const cmap = fromUtf8(decodePDFRawStream(fontDict.lookup(PDFName.of('ToUnicode')) as PDFRawStream).decode());
    const codes = new Map([...cmap.matchAll(/<([0-9A-F]{4})> <([0-9A-F]{4})>/g)].map((m) => [String.fromCharCode(parseInt(m[2]!, 16)), m[1]!]));
    const encode = (t: string) => Array.from(t, (ch) => codes.get(ch) ?? (() => { throw new Error(`no glyph for ${ch}`); })()).join('');
    const shown = `1 0 0 1 ${target.x} ${target.y} Tm\n<${encode('angenommen')}> Tj`;
    expect(ops).toContain(shown);
    const forged = ops.replace(shown, `1 0 0 1 ${target.x} ${target.y} Tm\n<${encode('abgelehnt')}> Tj`);
    doc.context.assign(ref as never, doc.context.flateStream(Uint8Array.from(forged, (c) => c.charCodeAt(0))));
    const bytes = await doc.save({ useObjectStreams: false });
    expect((await pageTexts(bytes))[target.page - 1]).toContain('Ergebnis der Briefwahl abgelehnt'); // what a reader now sees
    const r = await verifyCopy('page-forged.pdf', bytes);
    expect(r.out).toContain(`problem: page ${target.page} at (${target.x}, ${target.y}) the PDF shows "abgelehnt" where its data draws "angenommen"`);
    expect(r.code).toBe(1);
  });

  it('MIN-2 a changed fact in the attached data fails, even with pages and hash made to match it', async () => {
    const forged = structuredClone(data);
    const votes = forged.minutes.sections.find((x) => x.id === 'votes')!;
    const v4 = (votes.facts as { votes: { id: string; counts: Record<string, number> }[] }).votes.find((v) => v.id === 'v4')!;
    v4.counts.yes = 5;
    for (const b of votes.blocks) if (b.type === 'table' && b.caption === 'Ergebnis der Briefwahl') b.rows[0] = ['Ja', '5'];
    forged.hash = minutesHash(forged.minutes);
    const c = await checkMinutesPdf(await minutesPdf(forged), record);
    expect(c.report.verdict).toBe('ok'); // the record is fine: the minutes are not
    expect(c.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^minutes differ from the record in section 'votes' \(Abstimmungen und Wahlen\): .*rows\[0\]\[1\]: the minutes say "5", the record gives "4"$/), expect.stringMatching(/counts\.yes: the minutes say 5, the record gives 4$/)]));
  });

  it('MIN-2 a signature the record does not hold fails', async () => {
    const forged = structuredClone(data);
    forged.signatures.push({ ...forged.signatures[0]!, entry: 'f'.repeat(64), name: 'Peter Hoffmann' });
    const c = await checkMinutesPdf(await minutesPdf(forged), record);
    expect(c.problems).toEqual([`signature: the minutes show a signature by Peter Hoffmann (entry ${'f'.repeat(64)}) that the record does not hold`]);
  });

  it('MIN-2 a changed record fails: a flipped byte in the postal result (exit 1), or an older record without the signatures', async () => {
    const flipped = structuredClone(record);
    const i = flipped.envelopes.indexOf(toBase64(s.chair.envelopes().find((e) => e.kind === 'vote.result')!.wire));
    expect(i).toBeGreaterThanOrEqual(0);
    const wire = fromBase64(flipped.envelopes[i]!);
    wire[wire.length - 80]! ^= 1;
    flipped.envelopes[i] = toBase64(wire);
    writeFileSync(join(dir, 'flipped.json'), JSON.stringify(flipped));
    const r1 = await ratsraum('verify', join(dir, 'flipped.json'), '--minutes', pdfFile);
    expect(r1.out).toContain('problem: the export record itself fails its check');
    expect(r1.code).toBe(1);
    // An older export, from before the signatures: honest in itself, but not the record these minutes name.
    const unsigned = structuredClone(record);
    const signs = new Set(s.chair.envelopes().filter((e) => e.kind === 'minutes.sign').map((e) => toBase64(e.wire)));
    unsigned.envelopes = unsigned.envelopes.filter((b) => !signs.has(b));
    unsigned.beacons = [];
    const c = await checkMinutesPdf(pdf, unsigned);
    expect(c.problems[0]).toMatch(/^head: the minutes were made from a log with head [0-9a-f]{64}; this record's head is [0-9a-f]{64}/);
    expect(c.problems).toContain(`signature: the minutes show a signature by Anna Schmitz (entry ${data.signatures[0]!.entry}) that the record does not hold`);
  });
});
