/** What a PDF draws, as an independent reader sees it: pdf.js (Mozilla's PDF engine) extracts every string with its position. */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface Drawn {
  page: number;
  x: number;
  y: number;
  text: string;
}

/** Every string drawn (pdf.js text items, by the fonts' ToUnicode maps), with its page (from 0) and position. */
export async function drawn(bytes: Uint8Array): Promise<Drawn[]> {
  const doc = await getDocument({ data: bytes.slice(), useSystemFonts: false, isEvalSupported: false }).promise;
  const out: Drawn[] = [];
  try {
    for (let i = 1; i <= doc.numPages; i++) {
      const c = await (await doc.getPage(i)).getTextContent();
      for (const item of c.items) if ('str' in item && item.str !== '') out.push({ page: i - 1, x: round(item.transform[4]), y: round(item.transform[5]), text: item.str });
    }
  } finally {
    await doc.destroy();
  }
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Every page's text, items joined by a space. */
export async function pageTexts(bytes: Uint8Array): Promise<string[]> {
  const pages: string[] = [];
  for (const d of await drawn(bytes)) pages[d.page] = `${pages[d.page] ?? ''} ${d.text}`;
  return Array.from(pages, (p) => (p ?? '').replace(/\s+/g, ' ').trim());
}

export const textOf = async (bytes: Uint8Array) => (await pageTexts(bytes)).join(' ');
