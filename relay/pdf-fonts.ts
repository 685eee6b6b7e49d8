/**
 * The fonts and the PDF/A parts every PDF of Ratsraum shares (minutes, handbook, dossier): DejaVu from the npm
 * package `dejavu-fonts-ttf` (no system font needed, every Latin, Greek and Cyrillic name prints as written),
 * embedded as subsets under a deterministic subset tag, and the sRGB output intent that PDF/A asks for.
 */
import fontkit from '@pdf-lib/fontkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type PDFDocument, type PDFFont, PDFName, PDFString } from 'pdf-lib';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../crypto/bytes.js';

const require = createRequire(import.meta.url);
const fontFile = (f: string) => new Uint8Array(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`)));

export const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', italic: 'DejaVuSans-Oblique.ttf', mono: 'DejaVuSansMono.ttf' } as const;
export type FontStyle = keyof typeof FONT_FILES;

const loaded = new Map<FontStyle, Uint8Array>();
/** The font file of one style, read once per process. */
export function fontBytes(style: FontStyle): Uint8Array {
  let b = loaded.get(style);
  if (!b) loaded.set(style, (b = fontFile(FONT_FILES[style])));
  return b;
}

/**
 * fontkit with one glyph per code point (no shaping, kerning or ligatures): its full layout costs milliseconds
 * per string, which a long session's minutes cannot afford; Latin, Greek and Cyrillic names need no shaping,
 * and one glyph per character keeps the text that PDF readers extract exactly the text drawn.
 */
export const fastFontkit = {
  create(bytes: Uint8Array, name?: string) {
    const font = fontkit.create(bytes as never, name) as unknown as { glyphForCodePoint(cp: number): { advanceWidth: number }; layout: unknown };
    const glyphs = new Map<number, { advanceWidth: number }>();
    const glyph = (cp: number) => {
      let g = glyphs.get(cp);
      if (!g) glyphs.set(cp, (g = font.glyphForCodePoint(cp)));
      return g;
    };
    font.layout = (text: string) => {
      const list = Array.from(text, (ch) => glyph(ch.codePointAt(0)!));
      return { glyphs: list, positions: list.map((g) => ({ xAdvance: g.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 })) };
    };
    return font;
  },
} as unknown as typeof fontkit;

/**
 * A subset font's name as ISO 32000 § 9.6.4 and PDF/A want it: six capital letters, "+", the PostScript name.
 * The tag comes from `seed` (and the style), so the same document gives the same bytes; pdf-lib's own name is a
 * random suffix, which neither rule accepts.
 */
export function subsetName(seed: string, style: FontStyle): string {
  const h = sha256(utf8(`${seed}\0${style}`));
  const tag = Array.from(h.slice(0, 6), (b) => String.fromCharCode(65 + (b % 26))).join('');
  return `${tag}+${FONT_FILES[style].replace(/\.ttf$/, '')}`;
}

/** Embeds the styles asked for as subsets, with the fast layout. */
export async function embedFonts<S extends FontStyle>(doc: PDFDocument, seed: string, styles: readonly S[]): Promise<Record<S, PDFFont>> {
  doc.registerFontkit(fastFontkit);
  const out = {} as Record<S, PDFFont>;
  for (const s of styles) out[s] = await doc.embedFont(fontBytes(s), { subset: true, customName: subsetName(seed, s) });
  return out;
}

/** The sRGB IEC 61966-2.1 ICC profile, as the npm package `pdfkit` ships it for its own PDF/A output. */
export function srgbProfile(): Uint8Array {
  // pdfkit's package exports do not name the data folder: it sits next to the main module (pdfkit/js/).
  return new Uint8Array(readFileSync(join(dirname(require.resolve('pdfkit')), 'data', 'sRGB_IEC61966_2_1.icc')));
}

export const OUTPUT_CONDITION = 'sRGB IEC61966-2.1';

/** The catalog's /OutputIntents: one PDF/A intent (GTS_PDFA1) whose destination profile is sRGB. */
export function addOutputIntent(doc: PDFDocument): void {
  const profile = doc.context.flateStream(srgbProfile(), { N: 3 });
  const intent = doc.context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of(OUTPUT_CONDITION),
    Info: PDFString.of(OUTPUT_CONDITION),
    DestOutputProfile: doc.context.register(profile),
  });
  doc.catalog.set(PDFName.of('OutputIntents'), doc.context.obj([doc.context.register(intent)]));
}
