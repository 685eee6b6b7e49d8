/**
 * The minutes (core/minutes.ts) as PDF, with pdf-lib and the DejaVu fonts embedded as subsets, so every name
 * prints as written ("Łukasz", "Çelik", "Ğ"): A4, page numbers ("Seite 3 von 7"), tables that break across
 * pages with their header row repeated, and on the last page the record's head hash, the minutes' hash and
 * their signatures. The minutes data itself rides along as the attachment `minutes.json` (PDF/A-3 associated
 * file, AFRelationship Data), which `ratsraum verify --minutes` compares with the record.
 *
 * PDF/A: XMP metadata with pdfaid part 3 / conformance B, the document ID in the trailer and in XMP, fonts
 * embedded as subsets with PDF/A subset tags (relay/pdf-fonts.ts), an sRGB output intent, no transparency, the
 * attachment declared in the catalog's /AF. No validator (veraPDF: Java, not in Debian) checks the file in CI;
 * test/relay/minutes-pdf.test.ts checks these parts one by one.
 *
 * The drawing is deterministic (dates from the minutes, IDs from their hash): the same data gives the same
 * text at the same places, which the verifier re-draws and compares (relay/minutes-pdf-read.ts).
 */
import { AFRelationship, PDFDocument, PDFHexString, PDFName, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import { fromHex, utf8 } from '../crypto/bytes.js';
import { type Block, type Minutes, type MinutesRecord, RECORD_FORMAT } from '../core/minutes.js';
import { dateTime } from '../core/minutes/time.js';
import { MINUTES_ATTACHMENT } from '../core/minutes/attachment.js';
import { addOutputIntent, embedFonts } from './pdf-fonts.js';

/** The attachment's name: the minutes record (core/minutes/record.ts) as JSON. */
export const ATTACHMENT = MINUTES_ATTACHMENT;

const PAGE = { w: 595.28, h: 841.89, left: 56, right: 56, top: 64, bottom: 64 };
const WIDTH = PAGE.w - PAGE.left - PAGE.right;
const SIZE = { title: 15, section: 12.5, heading: 10.5, body: 9.5, table: 8.5, footer: 7.5 };
const LINE = 1.3; // line height as a multiple of the font size
const PAD = 3; // table cell padding
const GREY = rgb(0.45, 0.45, 0.45);
const BLACK = rgb(0, 0, 0);
const WORDS = {
  de: { page: (n: number, of: number) => `Seite ${n} von ${of}`, empty: '(kein Text)', signTitle: 'Unterzeichnung und Prüfung', head: 'Protokollkopf (SHA-256 über die Köpfe des Protokolls)', hash: 'Prüfsumme der Niederschrift (minutesHash)', data: 'Die Daten dieser Niederschrift liegen dieser Datei als Anhang minutes.json bei.', check: 'Prüfen: ratsraum verify <protokoll.json> --minutes <diese-datei.pdf>', signed: 'Unterzeichnet', none: 'Noch nicht unterzeichnet.', entry: 'Eintrag', signs: 'Unterzeichnete Prüfsumme', same: 'diese Fassung', other: 'eine andere Fassung', continued: '(Fortsetzung)' },
  en: { page: (n: number, of: number) => `Page ${n} of ${of}`, empty: '(no text)', signTitle: 'Signatures and check', head: 'Record head (SHA-256 over the heads of the log)', hash: 'Hash of the minutes (minutesHash)', data: 'The data of these minutes is attached to this file as minutes.json.', check: 'Check: ratsraum verify <record.json> --minutes <this-file.pdf>', signed: 'Signed', none: 'Not signed yet.', entry: 'Entry', signs: 'Signs hash', same: 'this version', other: 'another version', continued: '(continued)' },
};

/** One drawn string: the unit the verifier compares. */
export interface Run {
  page: number;
  x: number;
  y: number;
  size: number;
  bold: boolean;
  text: string;
  grey?: boolean;
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Measure {
  width(text: string, size: number, bold: boolean): number;
}

/** Text widths from the embedded fonts, memoised per string (fontkit lays out each string it measures). */
export function measure(font: (bold: boolean) => PDFFont): Measure {
  const cache = new Map<string, number>();
  return {
    width(text, size, bold) {
      const key = `${bold ? 1 : 0}${text}`;
      let w = cache.get(key);
      if (w === undefined) cache.set(key, (w = font(bold).widthOfTextAtSize(text, 1000)));
      return (w * size) / 1000;
    },
  };
}

/** Lines of at most `width`, broken at spaces (a word longer than a line is broken by characters). */
function wrap(m: Measure, text: string, size: number, bold: boolean, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/ +/)) {
      const next = line ? `${line} ${word}` : word;
      if (m.width(next, size, bold) <= width) {
        line = next;
        continue;
      }
      if (line) out.push(line);
      line = '';
      let rest = word;
      while (m.width(rest, size, bold) > width) {
        let n = rest.length - 1;
        while (n > 1 && m.width(rest.slice(0, n), size, bold) > width) n--;
        out.push(rest.slice(0, n));
        rest = rest.slice(n);
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

/** Column widths: each column's natural width, scaled to fit; wide columns share what narrow ones leave. */
function columns(m: Measure, head: string[], rows: string[][], size: number): number[] {
  const n = head.length;
  const natural = head.map((h, i) => Math.max(m.width(h, size, true), ...rows.map((r) => m.width(r[i] ?? '', size, false))) + 2 * PAD + 1);
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= WIDTH) return natural.map((w) => (w * WIDTH) / total);
  const widths = natural.map((w) => Math.min(w, WIDTH / n));
  const spare = WIDTH - widths.reduce((a, b) => a + b, 0);
  const excess = natural.map((w, i) => w - widths[i]!);
  const sum = excess.reduce((a, b) => a + b, 0);
  return widths.map((w, i) => (sum > 0 ? w + (spare * excess[i]!) / sum : w));
}

/** Lays the minutes out on pages: pure, given the font metrics, so the verifier can re-draw and compare. */
export function layout(data: MinutesRecord, m: Measure): { runs: Run[]; rules: { page: number; x1: number; x2: number; y: number }[]; pages: number } {
  const W = WORDS[data.minutes.lang];
  const runs: Run[] = [];
  const rules: { page: number; x1: number; x2: number; y: number }[] = [];
  let page = 0;
  let y = PAGE.h - PAGE.top;
  const newPage = () => {
    page++;
    y = PAGE.h - PAGE.top;
  };
  const room = (h: number) => {
    if (y - h < PAGE.bottom) newPage();
  };
  const text = (t: string, size: number, bold: boolean, x = PAGE.left, width = WIDTH, grey = false) => {
    for (const line of wrap(m, t, size, bold, width)) {
      room(size * LINE);
      y -= size * LINE;
      if (line) runs.push({ page, x: round(x), y: round(y), size, bold, text: line, ...(grey ? { grey } : {}) });
    }
  };
  const gap = (h: number) => (y -= h);

  const table = (head: string[], rows: string[][], caption?: string) => {
    const size = SIZE.table;
    const widths = columns(m, head, rows, size);
    const cells = (r: string[], bold: boolean) => r.map((c, i) => wrap(m, c ?? '', size, bold, widths[i]! - 2 * PAD));
    const rowHeight = (lines: string[][]) => Math.max(1, ...lines.map((l) => l.length)) * size * LINE + 2 * PAD;
    const headLines = cells(head, true);
    const drawRow = (lines: string[][], bold: boolean) => {
      let x = PAGE.left;
      lines.forEach((cell, i) => {
        cell.forEach((line, j) => {
          if (line) runs.push({ page, x: round(x + PAD), y: round(y - PAD - (j + 1) * size * LINE + size * 0.25), size, bold, text: line });
        });
        x += widths[i]!;
      });
      y -= rowHeight(lines);
      rules.push({ page, x1: PAGE.left, x2: PAGE.left + WIDTH, y: round(y) });
    };
    const header = (cont: boolean) => {
      if (caption) text(cont ? `${caption} ${W.continued}` : caption, SIZE.body, true);
      else if (cont) text(W.continued, SIZE.table, false, PAGE.left, WIDTH, true);
      rules.push({ page, x1: PAGE.left, x2: PAGE.left + WIDTH, y: round(y) });
      drawRow(headLines, true);
    };
    room((caption ? SIZE.body * LINE : 0) + rowHeight(headLines) + (rows[0] ? rowHeight(cells(rows[0], false)) : 0));
    header(false);
    for (const r of rows) {
      const lines = cells(r, false);
      if (y - rowHeight(lines) < PAGE.bottom) {
        newPage();
        header(true);
      }
      drawRow(lines, false);
    }
    gap(SIZE.body * 0.8);
  };

  const block = (b: Block) => {
    switch (b.type) {
      case 'fields': {
        const labelW = Math.min(170, Math.max(...b.rows.map(([l]) => m.width(l, SIZE.body, true))) + 10);
        for (const [label, value] of b.rows) {
          const lines = wrap(m, value, SIZE.body, false, WIDTH - labelW);
          room(lines.length * SIZE.body * LINE);
          const top = y;
          text(label, SIZE.body, true, PAGE.left, labelW - 6);
          const afterLabel = y;
          y = top;
          text(value, SIZE.body, false, PAGE.left + labelW, WIDTH - labelW);
          y = Math.min(y, afterLabel);
        }
        gap(SIZE.body * 0.6);
        return;
      }
      case 'table':
        return table(b.head, b.rows, b.caption);
      case 'heading':
        room(SIZE.heading * LINE * 4);
        gap(SIZE.heading * 0.5);
        return text(b.text, SIZE.heading, true);
      case 'text':
        text(b.text, SIZE.body, false);
        return gap(SIZE.body * 0.5);
      case 'draft':
        room(SIZE.body * LINE * 3);
        text(b.label, SIZE.body, true);
        if (b.text.trim()) text(b.text, SIZE.body, false);
        else text(W.empty, SIZE.body, false, PAGE.left, WIDTH, true);
        return gap(SIZE.body * 0.6);
    }
  };

  newPage();
  text(data.minutes.title, SIZE.title, true);
  gap(SIZE.body);
  for (const s of data.minutes.sections) {
    room(SIZE.section * LINE * 4);
    gap(SIZE.section * 0.6);
    text(s.title, SIZE.section, true);
    gap(SIZE.body * 0.3);
    for (const b of s.blocks) block(b);
  }
  newPage();
  text(W.signTitle, SIZE.section, true);
  gap(SIZE.body * 0.5);
  // Hashes stay whole on one line each, so that they can be read off and compared.
  for (const [label, value] of [[W.head, data.recordHead], [W.hash, data.hash]] as const) {
    text(label, SIZE.body, true);
    text(value, SIZE.table, false);
    gap(SIZE.body * 0.4);
  }
  text(W.data, SIZE.body, false);
  text(W.check, SIZE.body, false);
  gap(SIZE.body);
  text(W.signed, SIZE.body, true);
  if (data.signatures.length === 0) text(W.none, SIZE.body, false);
  for (const s of data.signatures) {
    gap(SIZE.body * 0.3);
    text(`${s.name}, ${dateTime(s.at, data.minutes.lang)} (${s.hash === data.hash ? W.same : W.other})`, SIZE.body, false);
    text(`${W.entry}: ${s.entry}`, SIZE.table, false);
    text(`${W.signs}: ${s.hash}`, SIZE.table, false);
  }
  const pages = page;
  for (let p = 1; p <= pages; p++) {
    const label = W.page(p, pages);
    runs.push({ page: p, x: round(PAGE.left + WIDTH - m.width(label, SIZE.footer, false)), y: PAGE.bottom - 28, size: SIZE.footer, bold: false, text: label, grey: true });
    runs.push({ page: p, x: PAGE.left, y: PAGE.bottom - 28, size: SIZE.footer, bold: false, text: `${data.minutes.title.slice(0, 80)} · ${data.recordHead.slice(0, 16)}`, grey: true });
  }
  return { runs, rules, pages };
}

/** When the minutes were made, for the PDF's dates: the session's close, else the meeting's start. */
function madeAt(m: Minutes): Date {
  const facts = m.sections.find((s) => s.id === 'meeting')?.facts as { closed?: { at: number } | null; meeting?: { start: number } } | null | undefined;
  return new Date(facts?.closed?.at ?? facts?.meeting?.start ?? 0);
}

const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function xmp(data: MinutesRecord, keywords: string, at: Date): string {
  const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const id = `uuid:${data.hash.slice(0, 8)}-${data.hash.slice(8, 12)}-${data.hash.slice(12, 16)}-${data.hash.slice(16, 20)}-${data.hash.slice(20, 32)}`;
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(data.minutes.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>Ratsraum</rdf:li></rdf:Seq></dc:creator>
   <xmp:CreateDate>${iso}</xmp:CreateDate>
   <xmp:ModifyDate>${iso}</xmp:ModifyDate>
   <xmp:CreatorTool>Ratsraum</xmp:CreatorTool>
   <pdf:Producer>Ratsraum (pdf-lib)</pdf:Producer>
   <pdf:Keywords>${xmlEscape(keywords)}</pdf:Keywords>
   <xmpMM:DocumentID>${id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>${id}</xmpMM:InstanceID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/** The keywords name the record head, the minutes' hash and each signature's entry, for tools that read only metadata. */
export const keywordsOf = (d: MinutesRecord): string => [RECORD_FORMAT, `head:${d.recordHead}`, `hash:${d.hash}`, ...d.signatures.map((s) => `signature:${s.entry}`)].join(' ');

export async function minutesPdf(data: MinutesRecord): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const { regular, bold } = await embedFonts(doc, data.hash, ['regular', 'bold']);
  const font = (b: boolean): PDFFont => (b ? bold : regular);
  const { runs, rules, pages } = layout(data, measure(font));
  const list: PDFPage[] = Array.from({ length: pages }, () => doc.addPage([PAGE.w, PAGE.h]));
  for (const r of rules) list[r.page - 1]!.drawLine({ start: { x: r.x1, y: r.y }, end: { x: r.x2, y: r.y }, thickness: 0.4, color: GREY });
  // In reading order (what text extraction and screen readers follow), switching the font only where the weight
  // changes: pdf-lib adds a font resource for every drawText that names a font.
  const current = new Map<PDFPage, boolean>();
  for (const r of runs) {
    const page = list[r.page - 1]!;
    if (current.get(page) !== r.bold) page.setFont(font(r.bold));
    current.set(page, r.bold);
    page.drawText(r.text, { x: r.x, y: r.y, size: r.size, color: r.grey ? GREY : BLACK });
  }
  const at = madeAt(data.minutes);
  const keywords = keywordsOf(data);
  doc.setTitle(data.minutes.title, { showInWindowTitleBar: true });
  doc.setSubject(`${data.minutes.tenant}/${data.minutes.meeting}`);
  doc.setKeywords([keywords]);
  doc.setProducer('Ratsraum (pdf-lib)');
  doc.setCreator('Ratsraum');
  doc.setCreationDate(at);
  doc.setModificationDate(at);
  doc.setLanguage(data.minutes.lang);
  await doc.attach(utf8(JSON.stringify(data)), ATTACHMENT, { mimeType: 'application/json', description: `Ratsraum minutes record (${RECORD_FORMAT})`, creationDate: at, modificationDate: at, afRelationship: AFRelationship.Data });
  const metadata = doc.context.stream(utf8(xmp(data, keywords, at)), { Type: 'Metadata', Subtype: 'XML' }); // XMP is UTF-8
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(metadata));
  addOutputIntent(doc);
  const id = PDFHexString.of(Array.from(fromHex(data.hash, 32).slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join(''));
  doc.context.trailerInfo.ID = doc.context.obj([id, id]);
  return doc.save({ useObjectStreams: false });
}
