/**
 * Reading a minutes PDF back: the attached minutes record (`minutes.json`), the keywords, the text drawn on
 * every page (glyph codes mapped through each font's ToUnicode CMap) and the embedded font programs. The
 * verifier compares what a PDF shows with what relay/minutes-pdf.ts draws from its own data.
 */
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFStream, decodePDFRawStream } from 'pdf-lib';
import { fromUtf8, toHex } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { verifyMinutes, type MinutesCheck } from '../core/verify-minutes.js';
import type { VerifyOptions } from '../core/export.js';
import type { MinutesRecord } from '../core/minutes.js';
import { minutesAttachment } from '../core/minutes/attachment.js';
import { ATTACHMENT, keywordsOf, minutesPdf } from './minutes-pdf.js';

export interface Drawn {
  page: number; // from 1
  x: number;
  y: number;
  size: number;
  text: string;
}

export interface ReadPdf {
  attachment: unknown; // the parsed minutes.json, undefined when there is none
  keywords: string | undefined;
  drawn: Drawn[];
  fonts: string[]; // hex SHA-256 of each embedded font program, sorted
}

const bytesOf = (s: PDFRawStream) => decodePDFRawStream(s).decode();

/** code (hex, 4 digits) -> text, from a ToUnicode CMap's bfchar and bfrange sections. */
function toUnicode(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  const utf16 = (hex: string) => String.fromCharCode(...(hex.match(/..../g) ?? []).map((h) => parseInt(h, 16)));
  for (const sec of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const m of sec[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(m[1]!.toUpperCase(), utf16(m[2]!));
  for (const sec of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const m of sec[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const [lo, hi, dst] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
      for (let c = lo; c <= hi; c++) map.set(c.toString(16).toUpperCase().padStart(4, '0'), String.fromCharCode(dst + c - lo));
    }
  return map;
}

export async function readPdf(bytes: Uint8Array): Promise<ReadPdf> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const ctx = doc.context;
  const attachment = minutesAttachment(doc);
  const drawn: Drawn[] = [];
  const fonts = new Set<string>();
  doc.getPages().forEach((p, i) => {
    const cmaps = new Map<string, Map<string, string>>();
    const fontDict = p.node.Resources()?.lookupMaybe(PDFName.of('Font'), PDFDict);
    for (const [key, ref] of fontDict?.entries() ?? []) {
      const font = ctx.lookup(ref, PDFDict);
      const tu = font.lookupMaybe(PDFName.of('ToUnicode'), PDFStream);
      cmaps.set(key.asString(), tu instanceof PDFRawStream ? toUnicode(fromUtf8(bytesOf(tu))) : new Map());
      const desc = font.lookupMaybe(PDFName.of('DescendantFonts'), PDFArray)?.lookup(0, PDFDict).lookupMaybe(PDFName.of('FontDescriptor'), PDFDict);
      const program = desc?.lookupMaybe(PDFName.of('FontFile2'), PDFStream);
      if (program instanceof PDFRawStream) fonts.add(toHex(sha256(bytesOf(program))));
    }
    const c = p.node.Contents();
    const streams = c instanceof PDFArray ? c.asArray().map((r) => ctx.lookup(r)) : [c];
    for (const s of streams) {
      if (!(s instanceof PDFRawStream)) continue;
      const ops = new TextDecoder('latin1').decode(bytesOf(s));
      let cmap = new Map<string, string>();
      let size = 0;
      for (const m of ops.matchAll(/(\/[^\s/]+) ([\d.]+) Tf|1 0 0 1 (-?[\d.]+) (-?[\d.]+) Tm\s*<([0-9A-Fa-f]*)> Tj/g)) {
        if (m[1]) {
          cmap = cmaps.get(m[1]) ?? new Map();
          size = Number(m[2]);
        } else drawn.push({ page: i + 1, x: Number(m[3]), y: Number(m[4]), size, text: (m[5]!.match(/..../g) ?? []).map((h) => cmap.get(h.toUpperCase()) ?? '\uFFFD').join('') });
      }
    }
  });
  const keywords = doc.getKeywords();
  return { attachment, keywords, drawn, fonts: [...fonts].sort() };
}

const order = (a: Drawn, b: Drawn) => a.page - b.page || b.y - a.y || a.x - b.x || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
const place = (d: Drawn) => `page ${d.page} at (${d.x}, ${d.y})`;

/** Where a PDF's pages differ from what its own minutes record draws: at most `max` lines. */
export function pageDifferences(shown: ReadPdf, drawn: ReadPdf, max = 5): string[] {
  const out: string[] = [];
  const a = [...shown.drawn].sort(order);
  const b = [...drawn.drawn].sort(order);
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max; i++) {
    const [x, y] = [a[i], b[i]];
    if (x && y && x.page === y.page && x.x === y.x && x.y === y.y && x.size === y.size && x.text === y.text) continue;
    if (x && y) out.push(`${place(x)} the PDF shows "${x.text}" where its data draws "${y.text}"${place(x) === place(y) ? '' : ` (${place(y)})`}`);
    else if (x) out.push(`${place(x)} the PDF shows "${x.text}", which its data does not draw`);
    else if (y) out.push(`${place(y)} the PDF lacks "${y.text}", which its data draws`);
    if (x && y && place(x) !== place(y)) break; // once out of step, the rest says nothing new
  }
  if (shown.fonts.join() !== drawn.fonts.join()) out.push('fonts: the embedded font programs differ from those the data draws with (glyphs may have been changed)');
  return out;
}

export interface MinutesPdfCheck extends MinutesCheck {
  pdf: string[]; // problems of the PDF itself: no data, changed pages, keywords
}

/** The whole check of `ratsraum verify <record> --minutes <pdf>`. */
export async function checkMinutesPdf(pdf: Uint8Array, record: unknown, opts: VerifyOptions = {}): Promise<MinutesPdfCheck> {
  const problems: string[] = [];
  let read: ReadPdf | undefined;
  try {
    read = await readPdf(pdf);
  } catch (e) {
    problems.push(`the file is not a readable PDF: ${(e as Error).message}`);
  }
  if (read && read.attachment === undefined) problems.push(`the PDF has no attachment ${ATTACHMENT}: it is no Ratsraum minutes PDF`);
  const data = await verifyMinutes(record, read?.attachment, opts);
  if (read?.attachment !== undefined && data.problems.length === 0) {
    const own = read.attachment as MinutesRecord;
    const redrawn = await readPdf(await minutesPdf(own));
    problems.push(...pageDifferences(read, redrawn));
    if (read.keywords !== keywordsOf(own)) problems.push(`keywords: the PDF says "${read.keywords ?? ''}", its data gives "${keywordsOf(own)}"`);
  }
  return { ...data, pdf: problems };
}
