/**
 * Security handbook (SEC-2, DigiSiVO § 8 Abs. 2) and privacy information (DS-1, DigiSiVO § 7 Abs. 3) as PDF.
 * The texts are Markdown the municipality may edit: defaults in docs/handbook/<lang>/<kind>.md, an edited copy
 * in the same layout under an override directory. Rendering embeds DejaVu Sans, Bold, Oblique and Sans Mono as
 * subsets (relay/pdf-fonts.ts), so Latin, Greek and Cyrillic text prints as written ("Łukasz", "Çelik");
 * a character the font lacks (emoji, CJK) is replaced by "?".
 * Markdown subset: #/##/### headings, paragraphs, "-"/"*"/"1." lists (nested by indentation), **bold**,
 * *italic*, `code`, [text](url), and {{placeholder}} values filled in from the tenant's settings
 * (relay/settings.ts); a value not set renders as "(noch nicht festgelegt …)", never as the placeholder.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { hashString } from '../crypto/hash.js';
import { embedFonts } from './pdf-fonts.js';

export const KINDS = ['security', 'privacy'] as const;
export type HandbookKind = (typeof KINDS)[number];
export const LANGS = ['de', 'en'] as const;
export type HandbookLang = (typeof LANGS)[number];

export const DEFAULT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'handbook');

export interface Handbook {
  markdown: string;
  /** The file read; an acknowledgement should name it with a hash of `markdown`. */
  path: string;
  overridden: boolean;
}

/** The municipality's edited copy from `overrideDir/<lang>/<kind>.md` if present, else the default text. */
export async function loadHandbook(kind: HandbookKind, lang: HandbookLang, overrideDir?: string): Promise<Handbook> {
  // kind and lang become path segments: only the known values may pass.
  if (!KINDS.includes(kind)) throw new TypeError(`handbook kind: expected ${KINDS.join('|')}, got ${String(kind)}`);
  if (!LANGS.includes(lang)) throw new TypeError(`handbook lang: expected ${LANGS.join('|')}, got ${String(lang)}`);
  if (overrideDir !== undefined) {
    const path = join(overrideDir, lang, `${kind}.md`);
    try {
      return { markdown: await readFile(path, 'utf8'), path, overridden: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const path = join(DEFAULT_DIR, lang, `${kind}.md`);
  return { markdown: await readFile(path, 'utf8'), path, overridden: false };
}

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;

/** Names of the placeholders a text uses, for the admin form that fills them in. */
export function placeholders(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** The placeholders the municipality's own copies under `overrideDir` use (read anew each time: they may be edited). */
export function overridePlaceholders(overrideDir: string): string[] {
  const texts = KINDS.flatMap((k) => LANGS.map((l) => join(overrideDir, l, `${k}.md`)));
  return [
    ...new Set(
      texts.flatMap((path) => {
        try {
          return placeholders(readFileSync(path, 'utf8'));
        } catch {
          return []; // no copy of this text: the default applies
        }
      }),
    ),
  ];
}

/** What a member reads where the municipality has not set a value yet. */
export const MISSING: Record<HandbookLang, string> = {
  de: '(noch nicht festgelegt – bitte bei der Verwaltung erfragen)',
  en: '(not yet set – please ask the administration)',
};

/** Fills every placeholder; one without a value becomes `MISSING`, so no `{{…}}` ever reaches a member. */
export function fill(markdown: string, values: Record<string, string> = {}, lang: HandbookLang = 'de'): string {
  return markdown.replace(PLACEHOLDER, (_all, name: string) => (Object.hasOwn(values, name) && values[name]!.trim() ? values[name]! : MISSING[lang]));
}

/** A text as the relay serves it: filled for one tenant, with the version an acknowledgement names. */
export interface HandbookText {
  markdown: string;
  version: string;
  pdf: () => Promise<Uint8Array>;
}

const TITLES: Record<HandbookKind, Record<HandbookLang, string>> = {
  security: { de: 'Sicherheitshandbuch', en: 'Security handbook' },
  privacy: { de: 'Datenschutzhinweise', en: 'Privacy information' },
};

/**
 * The texts of a relay: the municipality's copies under `overrideDir` (else the defaults), filled with
 * `values(tenant)`. The version is the hash of the filled text, so any change asks members again.
 */
export function handbookTexts(o: { overrideDir?: string; values: (tenant?: string) => Record<string, string> | Promise<Record<string, string>> }) {
  return async (kind: string, lang: string, tenant?: string): Promise<HandbookText | undefined> => {
    if (!(KINDS as readonly string[]).includes(kind) || !(LANGS as readonly string[]).includes(lang)) return undefined;
    const k = kind as HandbookKind;
    const l = lang as HandbookLang;
    const values = await o.values(tenant);
    const markdown = fill((await loadHandbook(k, l, o.overrideDir)).markdown, values, l);
    return { markdown, version: hashString(markdown), pdf: () => renderHandbookPdf(markdown, { title: TITLES[k][l], lang: l, municipality: values }) };
  };
}

// ---- Markdown to blocks ----

type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'para'; text: string }
  | { kind: 'item'; depth: number; label: string; text: string };

function parse(md: string): Block[] {
  const blocks: Block[] = [];
  let open: Extract<Block, { kind: 'para' | 'item' }> | undefined;
  for (const raw of md.split('\n')) {
    const line = raw.trimEnd();
    if (!line.trim() || /^\s*([-*_])(\s*\1){2,}$/.test(line)) {
      open = undefined;
      continue;
    }
    const h = /^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?$/.exec(line);
    if (h) {
      blocks.push({ kind: 'heading', level: Math.min(h[1]!.length, 3) as 1 | 2 | 3, text: h[2]! });
      open = undefined;
      continue;
    }
    const li = /^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    if (li) {
      const bullet = /^[-*+]$/.test(li[2]!);
      open = { kind: 'item', depth: Math.min(Math.floor(li[1]!.length / 2), 3), label: bullet ? '•' : li[2]!, text: li[3]! };
      blocks.push(open);
      continue;
    }
    const text = line.trim().replace(/^>\s?/, '');
    if (open) open.text += ` ${text}`;
    else blocks.push((open = { kind: 'para', text }));
  }
  return blocks;
}

// ---- text: what the embedded font has ----

const SUBSTITUTES: Record<string, string> = {
  '→': '->', '←': '<-', '↔': '<->', '⇒': '=>', '≤': '<=', '≥': '>=', '≠': '!=', '−': '-', '‐': '-', '‑': '-',
  '✓': 'x', '✔': 'x', '\t': ' ', '\u2009': ' ', '\u202f': ' ', '\u2007': ' ',
};
const INVISIBLE = /[\u200b-\u200d\u2060\ufe00-\ufe0f]/g;

function sanitizer(font: PDFFont): (s: string) => string {
  const ok = new Set(font.getCharacterSet());
  return (s) => {
    let out = '';
    for (const ch of s.normalize('NFC').replace(INVISIBLE, '')) {
      out += ch === '\n' || ok.has(ch.codePointAt(0)!) ? ch : (SUBSTITUTES[ch] ?? '?');
    }
    return out;
  };
}

// ---- inline runs, words, lines ----

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
  mono: PDFFont;
}
interface Piece {
  text: string;
  font: PDFFont;
}

function runs(text: string, fonts: Fonts, base: PDFFont): Piece[] {
  const out: Piece[] = [];
  const re = /\*\*(.+?)\*\*|\*(.+?)\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push({ text: text.slice(at, m.index), font: base });
    if (m[1] !== undefined) out.push({ text: m[1], font: fonts.bold });
    else if (m[2] !== undefined) out.push({ text: m[2], font: fonts.italic });
    else if (m[3] !== undefined) out.push({ text: m[3], font: fonts.mono });
    else out.push({ text: m[4] === m[5] ? m[5]! : `${m[4]} (${m[5]})`, font: base });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), font: base });
  return out;
}

type Word = Piece[];

function words(pieces: Piece[]): Word[] {
  const out: Word[] = [];
  let cur: Word = [];
  for (const p of pieces) {
    for (const part of p.text.split(/(\s+)/)) {
      if (!part) continue;
      if (/^\s+$/.test(part)) {
        if (cur.length) out.push(cur);
        cur = [];
      } else cur.push({ text: part, font: p.font });
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

const widthOf = (w: Word, size: number) => w.reduce((s, p) => s + p.font.widthOfTextAtSize(p.text, size), 0);

/** A word wider than the line is cut between characters. */
function cut(w: Word, size: number, max: number): Word[] {
  const parts: Word[] = [];
  let cur: Word = [];
  let width = 0;
  for (const p of w) {
    for (const ch of p.text) {
      const cw = p.font.widthOfTextAtSize(ch, size);
      if (width + cw > max && cur.length) {
        parts.push(cur);
        cur = [];
        width = 0;
      }
      const last = cur[cur.length - 1];
      if (last && last.font === p.font) last.text += ch;
      else cur.push({ text: ch, font: p.font });
      width += cw;
    }
  }
  if (cur.length) parts.push(cur);
  return parts;
}

function wrap(ws: Word[], size: number, max: number, space: number): Word[][] {
  const lines: Word[][] = [];
  let line: Word[] = [];
  let width = 0;
  for (const word of ws) {
    for (const w of widthOf(word, size) > max ? cut(word, size, max) : [word]) {
      const ww = widthOf(w, size);
      if (line.length && width + space + ww > max) {
        lines.push(line);
        line = [];
        width = 0;
      }
      width += (line.length ? space : 0) + ww;
      line.push(w);
    }
  }
  if (line.length) lines.push(line);
  return lines;
}

/** One drawText per stretch of the same font, spaces included. */
function segments(line: Word[]): Piece[] {
  const out: Piece[] = [];
  line.forEach((w, i) => {
    w.forEach((p, j) => {
      const text = i > 0 && j === 0 ? ` ${p.text}` : p.text;
      const last = out[out.length - 1];
      if (last && last.font === p.font) last.text += text;
      else out.push({ text, font: p.font });
    });
  });
  return out;
}

// ---- pages ----

const A4: [number, number] = [595.28, 841.89];
const MARGIN = { left: 62, right: 62, top: 62, bottom: 72 };
const BODY = 10.5;
const LEADING = 1.4;
const HEADING = {
  1: { size: 18, before: 0, after: 10 },
  2: { size: 13.5, before: 14, after: 6 },
  3: { size: 11.5, before: 10, after: 4 },
} as const;
const INK = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.4, 0.4, 0.4);

export interface HandbookPdfOptions {
  title: string;
  lang: HandbookLang;
  /** Placeholder values, e.g. { controller: 'Stadt Musterstadt, Markt 1', dpo: 'datenschutz@…' }. */
  municipality?: Record<string, string>;
}

const PDF_CACHE_SIZE = 32;
const pdfCache = new Map<string, Promise<Uint8Array>>();

/**
 * The PDF of a text, rendered once per distinct input (text, title, language, values) and then served
 * from memory: rendering costs tens of milliseconds of CPU, and anyone may ask for it. Concurrent
 * requests for the same input share one rendering; each caller gets its own copy of the bytes.
 */
export async function renderHandbookPdf(markdown: string, opts: HandbookPdfOptions): Promise<Uint8Array> {
  const key = hashString(JSON.stringify([markdown, opts.title, opts.lang, Object.entries(opts.municipality ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]));
  let pdf = pdfCache.get(key);
  pdfCache.delete(key); // re-inserted last: the least recently used goes first
  if (!pdf) {
    if (pdfCache.size >= PDF_CACHE_SIZE) pdfCache.delete(pdfCache.keys().next().value!);
    pdf = render(markdown, opts);
    pdf.catch(() => pdfCache.delete(key));
  }
  pdfCache.set(key, pdf);
  return (await pdf).slice();
}

async function render(markdown: string, opts: HandbookPdfOptions): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts: Fonts = await embedFonts(doc, hashString(markdown + opts.title), ['regular', 'bold', 'italic', 'mono']);
  const clean = sanitizer(fonts.regular);
  doc.setTitle(opts.title, { showInWindowTitleBar: true });
  doc.setLanguage(opts.lang === 'de' ? 'de-DE' : 'en-GB');
  doc.setCreator('Ratsraum');
  doc.setProducer('Ratsraum (pdf-lib)');
  if (opts.municipality?.municipality) doc.setAuthor(opts.municipality.municipality);

  const width = A4[0] - MARGIN.left - MARGIN.right;
  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN.top;
  const atTop = () => y === A4[1] - MARGIN.top;
  const room = (h: number) => {
    if (y - h < MARGIN.bottom && !atTop()) {
      page = doc.addPage(A4);
      y = A4[1] - MARGIN.top;
    }
  };
  const drawLines = (lines: Word[][], size: number, x: number) => {
    for (const line of lines) {
      room(size * LEADING);
      let at = x;
      for (const s of segments(line)) {
        page.drawText(s.text, { x: at, y: y - size, size, font: s.font, color: INK });
        at += s.font.widthOfTextAtSize(s.text, size);
      }
      y -= size * LEADING;
    }
  };
  const space = fonts.regular.widthOfTextAtSize(' ', BODY);

  for (const b of parse(clean(fill(markdown, opts.municipality, opts.lang).replace(/\r\n?/g, '\n')))) {
    if (b.kind === 'heading') {
      const h = HEADING[b.level];
      const lines = wrap(words(runs(b.text, fonts, fonts.bold)), h.size, width, fonts.bold.widthOfTextAtSize(' ', h.size));
      // keep a heading with at least two lines of what follows
      room(h.before + lines.length * h.size * LEADING + 2 * BODY * LEADING);
      if (!atTop()) y -= h.before;
      drawLines(lines, h.size, MARGIN.left);
      y -= h.after;
    } else if (b.kind === 'para') {
      drawLines(wrap(words(runs(b.text, fonts, fonts.regular)), BODY, width, space), BODY, MARGIN.left);
      y -= BODY * 0.6;
    } else {
      const indent = MARGIN.left + b.depth * 16;
      const labelWidth = fonts.regular.widthOfTextAtSize(b.label, BODY);
      const textX = indent + Math.max(14, labelWidth + 6);
      const lines = wrap(words(runs(b.text, fonts, fonts.regular)), BODY, MARGIN.left + width - textX, space);
      room(BODY * LEADING);
      page.drawText(b.label, { x: indent, y: y - BODY, size: BODY, font: fonts.regular, color: INK });
      drawLines(lines, BODY, textX);
      y -= BODY * 0.25;
    }
  }

  const pages = doc.getPages();
  const footer = 8.5;
  const title = clean(opts.title);
  pages.forEach((p, i) => {
    const num = opts.lang === 'de' ? `Seite ${i + 1} von ${pages.length}` : `Page ${i + 1} of ${pages.length}`;
    const numWidth = fonts.regular.widthOfTextAtSize(num, footer);
    const fitted = cut([{ text: title, font: fonts.regular }], footer, width - numWidth - 24)[0] ?? [];
    const y0 = MARGIN.bottom / 2;
    for (const s of segments([fitted])) p.drawText(s.text, { x: MARGIN.left, y: y0, size: footer, font: s.font, color: GREY });
    p.drawText(num, { x: A4[0] - MARGIN.right - numWidth, y: y0, size: footer, font: fonts.regular, color: GREY });
  });
  return doc.save();
}
