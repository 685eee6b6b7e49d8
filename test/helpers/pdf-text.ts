/** What a PDF of relay/handbook.ts draws: every string with its position, and all of it as one text. */
import { PDFArray, PDFDocument, PDFRawStream, decodePDFRawStream } from 'pdf-lib';

export interface Drawn {
  page: number;
  x: number;
  y: number;
  text: string;
}

// WinAnsi is Latin-1 except 0x80–0x9F (Node's TextDecoder may treat windows-1252 as Latin-1).
const WIN_ANSI_HIGH: Record<number, string> = { 0x80: '€', 0x84: '„', 0x85: '…', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—' };
const winAnsi = { decode: (b: Uint8Array) => Array.from(b, (c) => WIN_ANSI_HIGH[c] ?? String.fromCharCode(c)).join('') };

/** Every string drawn, with its position: pdf-lib writes `1 0 0 1 x y Tm <hex> Tj` per drawText. */
export async function drawn(bytes: Uint8Array): Promise<Drawn[]> {
  const doc = await PDFDocument.load(bytes);
  const out: Drawn[] = [];
  doc.getPages().forEach((p, page) => {
    const c = p.node.Contents();
    const streams = c instanceof PDFArray ? c.asArray().map((r) => doc.context.lookup(r)) : [c];
    for (const s of streams) {
      if (!(s instanceof PDFRawStream)) throw new Error('expected a raw content stream');
      const ops = new TextDecoder('latin1').decode(decodePDFRawStream(s).decode());
      for (const m of ops.matchAll(/1 0 0 1 ([\d.]+) ([\d.]+) Tm\s*<([0-9A-F]*)> Tj/g)) {
        const hex = m[3]!.match(/../g) ?? [];
        out.push({ page, x: Number(m[1]), y: Number(m[2]), text: winAnsi.decode(Uint8Array.from(hex, (h) => parseInt(h, 16))) });
      }
    }
  });
  return out;
}

export const textOf = async (bytes: Uint8Array) => (await drawn(bytes)).map((d) => d.text).join(' ').replace(/\s+/g, ' ');

