/** SEC-2 security handbook (DigiSiVO § 8 Abs. 2) and DS-1 privacy information (DigiSiVO § 7 Abs. 3) as PDF. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PDFName, PDFString } from 'pdf-lib';
import { embedFonts } from '../../relay/pdf-fonts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fill, loadHandbook, MISSING, placeholders, renderHandbookPdf } from '../../relay/handbook.js';
import { drawn, textOf } from '../helpers/pdf-text.js';

const values = {
  municipality: 'Stadt Musterstadt',
  controller: 'Stadt Musterstadt, Der Bürgermeister, Markt 1, 12345 Musterstadt',
  dpo: 'Datenschutzbeauftragte, datenschutz@musterstadt.example',
  sender: 'ratsbuero@musterstadt.example',
  address: 'https://ratsraum.musterstadt.example',
  hotline_phone: '0123 456-789',
  hotline_email: 'sitzungsdienst@musterstadt.example',
  support: 'IT-Service, 0123 456-700',
  hosting: 'Rechenzentrum Musterstadt',
  retention_logs: '7 Tage',
  retention_sessions: '2 Jahre nach Genehmigung der Niederschrift',
};

describe('handbook PDF', () => {
  it('SEC-2 the security handbook renders to an A4 PDF that parses back, with title, language and page numbers', async () => {
    const { markdown, overridden } = await loadHandbook('security', 'de');
    expect(overridden).toBe(false);
    const bytes = await renderHandbookPdf(markdown, { title: 'Sicherheitshandbuch Ratsraum', lang: 'de', municipality: values });
    const doc = await PDFDocument.load(bytes);
    expect(doc.getTitle()).toBe('Sicherheitshandbuch Ratsraum');
    expect(doc.catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('de-DE');
    const n = doc.getPageCount();
    expect(n).toBeGreaterThan(1);
    for (const p of doc.getPages()) {
      expect(p.getWidth()).toBeCloseTo(595.28, 1);
      expect(p.getHeight()).toBeCloseTo(841.89, 1);
    }
    const text = await textOf(bytes);
    for (let i = 1; i <= n; i++) expect(text).toContain(`Seite ${i} von ${n}`);
    expect(text).toContain('Bildschirmsperre');
    expect(text).toContain('Verschwiegenheitspflicht');
  });

  it('SEC-2 DS-1 every default text renders in German and in English', async () => {
    for (const lang of ['de', 'en'] as const) {
      for (const kind of ['security', 'privacy'] as const) {
        const { markdown } = await loadHandbook(kind, lang);
        const title = markdown.split('\n')[0]!.replace(/^#\s*/, '');
        const bytes = await renderHandbookPdf(markdown, { title, lang, municipality: values });
        const doc = await PDFDocument.load(bytes);
        expect(doc.getTitle()).toBe(title);
        const text = await textOf(bytes);
        expect(text).toContain(title);
        expect(text).toContain(lang === 'de' ? 'Seite 1 von' : 'Page 1 of');
        expect(text).not.toContain('?'); // nothing in the default texts needed replacing
      }
    }
  });

  it('DS-1 placeholders are filled in from the municipality\'s values, unknown ones read "noch nicht festgelegt"', async () => {
    const { markdown } = await loadHandbook('privacy', 'de');
    expect(placeholders(markdown)).toEqual(expect.arrayContaining(['controller', 'dpo', 'municipality']));
    for (const name of placeholders(markdown)) expect(Object.keys(values)).toContain(name);
    const text = await textOf(await renderHandbookPdf(markdown, { title: 'Datenschutzhinweise', lang: 'de', municipality: values }));
    expect(text).not.toContain('{{');
    expect(text).toContain('Der Bürgermeister, Markt 1, 12345 Musterstadt');
    expect(text).toContain('datenschutz@musterstadt.example');
    expect(text).toContain('2 Jahre nach Genehmigung der Niederschrift');
    expect(fill('A {{controller}} B {{ dpo }} C {{unknown}}', { controller: 'X', dpo: 'Y' })).toBe(`A X B Y C ${MISSING.de}`);
  });

  it('SEC-2 characters the embedded font lacks are replaced, not fatal; umlauts, ß, quotes, Polish and Turkish letters survive', async () => {
    const md = '# Größe → Übung 😀\n\nÄrger „über“ Maß – a\u0308 ≤ 3 ✓ 中文 e\u0301 👍🏽 Łukasz Çelik\n\n- Punkt 🚀 eins';
    const bytes = await renderHandbookPdf(md, { title: 'Prüfung → 🚀', lang: 'de' });
    const doc = await PDFDocument.load(bytes);
    expect(doc.getTitle()).toBe('Prüfung → 🚀'); // metadata is UTF-16 and keeps everything
    const text = await textOf(bytes);
    expect(text).toContain('Größe → Übung 😀'); // DejaVu has arrows and the emoticons block
    expect(text).toContain('Ärger „über“ Maß – ä ≤ 3 ✓ ?? é ?? Łukasz Çelik'); // combining marks composed (NFC); no CJK, no skin tones
    expect(text).toContain('Punkt ? eins');
    expect(text).toContain('Prüfung → ?'); // footer
  });

  it('SEC-2 long texts wrap inside the margins and break onto numbered pages', async () => {
    const para = 'Die Sitzungsleitung weist vor jedem nichtöffentlichen Teil auf die Verschwiegenheitspflicht hin. '.repeat(8);
    const long = 'Donaudampfschifffahrtsgesellschaftskapitän'.repeat(12);
    const md = `# Test\n\n${long}\n\n${Array.from({ length: 30 }, (_, i) => `## Abschnitt ${i + 1}\n\n${para}\n\n- ${para}\n  1. ${para}`).join('\n\n')}`;
    const bytes = await renderHandbookPdf(md, { title: 'Umbruch', lang: 'en' });
    const doc = await PDFDocument.load(bytes);
    const n = doc.getPageCount();
    expect(n).toBeGreaterThan(5);
    const { regular: font } = await embedFonts(await PDFDocument.create(), 'widths', ['regular']);
    const items = await drawn(bytes);
    for (const d of items.filter((d) => d.y > 50)) {
      expect(d.x).toBeGreaterThanOrEqual(62);
      expect(d.y).toBeLessThanOrEqual(841.89 - 62);
      expect(d.y).toBeGreaterThanOrEqual(72 - 1);
    }
    // the over-long word is cut into pieces that each fit the 471 pt text width (regular font, 10.5 pt)
    const pieces: string[] = [];
    for (const d of items.slice(1)) {
      if (pieces.join('').length >= long.length) break;
      pieces.push(d.text);
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(long);
    for (const p of pieces) expect(font.widthOfTextAtSize(p, 10.5)).toBeLessThanOrEqual(595.28 - 124 + 0.01);
    const footers = items.filter((d) => d.text.startsWith('Page '));
    expect(footers.map((d) => d.text)).toEqual(Array.from({ length: n }, (_, i) => `Page ${i + 1} of ${n}`));
    // a heading is never the last line of a page
    const lastOnPage = new Map<number, string>();
    for (const d of items) if (d.y > 50) lastOnPage.set(d.page, d.text);
    for (const text of lastOnPage.values()) expect(text).not.toMatch(/^Abschnitt \d+$/);
  });
});

describe('municipality override', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratsraum-handbook-'));
    await mkdir(join(dir, 'de'), { recursive: true });
    await writeFile(join(dir, 'de', 'security.md'), '# Handbuch der Stadt Musterstadt\n\nEigene Regeln: Bildschirmsperre nach 2 Minuten.\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('SEC-2 an edited copy in the override directory is used, other texts fall back to the defaults', async () => {
    const own = await loadHandbook('security', 'de', dir);
    expect(own.overridden).toBe(true);
    expect(own.path).toBe(join(dir, 'de', 'security.md'));
    const text = await textOf(await renderHandbookPdf(own.markdown, { title: 'Handbuch', lang: 'de' }));
    expect(text).toContain('Bildschirmsperre nach 2 Minuten');
    const fallback = await loadHandbook('privacy', 'de', dir);
    expect(fallback.overridden).toBe(false);
    expect(fallback.markdown).toContain('Betroffenenrechte');
    expect((await loadHandbook('security', 'en', dir)).overridden).toBe(false);
  });

  it('SEC-2 only known kinds and languages become paths', async () => {
    await expect(loadHandbook('../../etc/passwd' as never, 'de', dir)).rejects.toThrow(TypeError);
    await expect(loadHandbook('security', '..' as never, dir)).rejects.toThrow(TypeError);
  });
});

describe('required topics', () => {
  const topics = {
    'de/security': ['Bildschirmsperre', 'Updates', 'Verlust', 'Dritte', 'nichtöffentlich', 'Authenticator', 'TOTP', 'Phishing', 'Einladung', 'widerruft', 'WebSocket', 'Verschlüsselung', '§ 3 Absatz 3 DigiSiVO', '{{controller}}', '{{dpo}}'],
    'en/security': ['Screen lock', 'Updates', 'Lost', 'third party', 'Non-public', 'authenticator', 'TOTP', 'phishing', 'invitation', 'revokes', 'WebSocket', 'encryption', '§ 3 (3) DigiSiVO', '{{controller}}', '{{dpo}}'],
    'de/privacy': ['Rechtsgrundlage', 'Art. 6 Absatz 1 Buchstabe e', 'Art. 6 Absatz 1 Buchstabe c', 'GO NRW', 'DigiSiVO', 'Speicherdauer', 'Betroffenenrechte', 'Art. 15', 'Art. 17', 'Art. 77', 'IndexedDB', 'Rechenzentrum', 'signiert', 'verschlüsselt', '{{controller}}', '{{dpo}}'],
    'en/privacy': ['Legal basis', 'Art. 6 (1)(e)', 'Art. 6 (1)(c)', 'GO NRW', 'DigiSiVO', 'Retention', 'rights as a data subject', 'Art. 15', 'Art. 17', 'Art. 77', 'IndexedDB', 'data centre', 'signed', 'encrypted', '{{controller}}', '{{dpo}}'],
  } as const;

  it.each(['de/security', 'en/security'] as const)('SEC-2 %s covers device safety, screen lock, updates, loss, third parties in non-public parts, TOTP and phishing', async (key) => {
    const [lang, kind] = key.split('/') as ['de' | 'en', 'security'];
    const { markdown } = await loadHandbook(kind, lang);
    for (const t of topics[key]) expect(markdown, t).toContain(t);
  });

  it.each(['de/privacy', 'en/privacy'] as const)('DS-1 %s covers legal bases, storage locations, retention and data-subject rights', async (key) => {
    const [lang, kind] = key.split('/') as ['de' | 'en', 'privacy'];
    const { markdown } = await loadHandbook(kind, lang);
    for (const t of topics[key]) expect(markdown, t).toContain(t);
  });
});
