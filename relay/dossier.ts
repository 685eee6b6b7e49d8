/**
 * The compliance dossier (`ratsraum dossier`, docs/PROTOCOL.md "Compliance dossier"): every requirement of
 * docs/REQUIREMENTS.md with its legal source, how Ratsraum meets it (docs/compliance.md), the tests whose
 * titles name it and their result in the last run (Vitest's JSON report), the benchmarks' figures and the
 * open points. A requirement counts as met only when at least one test names it and every test naming it
 * passed; everything else is open. The text is Markdown; the PDF is the same Markdown through the
 * handbook's renderer (relay/handbook.ts).
 */
import * as v from 'valibot';
import { renderHandbookPdf } from './handbook.js';

export interface Requirement {
  id: string;
  /** The heading of its group, e.g. "LEG: legal preconditions (GO NRW §§ 47a, 58a)". */
  group: string;
  text: string;
  source: string;
}

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  file: string;
  title: string; // describe blocks and test title, joined by " > "
  status: TestStatus;
}

export interface TestRun {
  started: string | null; // ISO time of the run
  tests: TestResult[];
}

export interface BenchRun {
  started: string;
  benches: { file: string; exit: number | null; seconds: number; lines: string[] }[];
}

export interface Row {
  req: Requirement;
  how: string | null;
  tests: TestResult[];
  met: boolean;
  /** Why it is open (German), or null when met. */
  open: string | null;
}

export interface Dossier {
  generated: string;
  run: TestRun & { reportName: string };
  rows: Row[];
  bench: (BenchRun & { name: string }) | null;
}

const ID = /^- ([A-Z]+-\d+) (.*)$/;
const IDS_IN = /\b[A-Z]+-\d+\b/g;

/** Requirements from docs/REQUIREMENTS.md: `## GROUP: title (source)` headings, `- ID text` items (continued by indented lines). */
export function parseRequirements(md: string): Requirement[] {
  const out: Requirement[] = [];
  let group = '';
  let current: Requirement | undefined;
  for (const line of md.split(/\r?\n/)) {
    const h = /^## (.*)$/.exec(line);
    const item = ID.exec(line);
    if (h) {
      group = h[1]!.trim();
      current = undefined;
    } else if (item && group) out.push((current = { id: item[1]!, group, text: item[2]!.trim(), source: '' }));
    else if (current && /^\s+\S/.test(line)) current.text += ` ${line.trim()}`;
    else current = undefined;
  }
  for (const r of out) r.source = sourceOf(r);
  if (out.length === 0) throw new Error('no requirement found (expected "- ID text" lines under "## " headings)');
  return out;
}

/**
 * The legal source: the requirement's own parenthesis when it cites a paragraph ("(§ 2 Abs. 1)" completed
 * with the group's law, "(GO NRW § 50 Abs. 1)" as it stands), else the group's parenthesis.
 */
function sourceOf(r: Requirement): string {
  const group = /\(([^()]*)\)\s*$/.exec(r.group)?.[1] ?? '';
  const own = /\(([^()]*§[^()]*)\)\.?$/.exec(r.text)?.[1];
  if (!own) return group;
  if (!own.startsWith('§')) return own;
  const law = /^([^§;]+?)\s*§/.exec(group)?.[1];
  return law ? `${law} ${own}` : own;
}

/** The "how" texts of docs/compliance.md: one `## ID` section each. */
export function parseCompliance(md: string): Map<string, string> {
  const out = new Map<string, string>();
  let id: string | undefined;
  let text: string[] = [];
  const flush = () => id && out.set(id, text.join(' ').replace(/\s+/g, ' ').trim());
  for (const line of md.split(/\r?\n/)) {
    const h = /^## ([A-Z]+-\d+)\s*$/.exec(line);
    if (h) {
      flush();
      id = h[1];
      text = [];
    } else if (/^#{1,2} /.test(line)) {
      flush();
      id = undefined;
    } else if (id) text.push(line);
  }
  flush();
  return out;
}

const vitestSchema = v.object({
  startTime: v.optional(v.number()),
  testResults: v.array(
    v.object({
      name: v.string(),
      assertionResults: v.array(v.object({ title: v.string(), ancestorTitles: v.optional(v.array(v.string()), []), fullName: v.optional(v.string()), status: v.string() })),
    }),
  ),
});

/** The tests of a Vitest JSON report (`vitest run --reporter=json --outputFile=FILE`); paths relative to `root`. */
export function parseVitestReport(json: unknown, root = ''): TestRun {
  const parsed = v.safeParse(vitestSchema, json);
  if (!parsed.success) throw new Error(`not a Vitest JSON report: ${v.flatten(parsed.issues).root?.[0] ?? parsed.issues[0]?.message}`);
  const base = root.replace(/\/+$/, '');
  const tests: TestResult[] = [];
  for (const f of parsed.output.testResults) {
    const file = base && f.name.startsWith(`${base}/`) ? f.name.slice(base.length + 1) : f.name;
    for (const a of f.assertionResults) {
      const status: TestStatus = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
      tests.push({ file, title: [...a.ancestorTitles, a.title].join(' > '), status });
    }
  }
  return { started: parsed.output.startTime ? new Date(parsed.output.startTime).toISOString() : null, tests };
}

const benchSchema = v.object({
  format: v.literal('ratsraum-bench/v1'),
  started: v.string(),
  benches: v.array(v.object({ file: v.string(), exit: v.nullable(v.number()), seconds: v.number(), lines: v.array(v.string()) })),
});

/** Several runs (npm test runs Vitest twice) as one: their tests together, started at the earliest. */
export function mergeRuns(runs: TestRun[]): TestRun {
  const times = runs.map((r) => r.started).filter((t): t is string => t !== null).sort();
  return { started: times[0] ?? null, tests: runs.flatMap((r) => r.tests) };
}

/** What `npm run bench -- --json FILE` wrote (bench/run.ts). */
export function parseBench(json: unknown): BenchRun {
  const parsed = v.safeParse(benchSchema, json);
  if (!parsed.success) throw new Error(`not a ratsraum-bench/v1 file: ${parsed.issues[0]?.message}`);
  return parsed.output;
}

/** The requirement IDs a test title names. */
export const idsOf = (title: string): string[] => [...new Set(title.match(IDS_IN) ?? [])];

export function buildDossier(p: { requirements: Requirement[]; compliance: Map<string, string>; run: TestRun; reportName: string; bench?: BenchRun & { name: string }; now?: Date }): Dossier {
  const byId = new Map<string, TestResult[]>(p.requirements.map((r) => [r.id, []]));
  for (const t of p.run.tests) for (const id of idsOf(t.title)) byId.get(id)?.push(t);
  const rows = p.requirements.map((req): Row => {
    const tests = byId.get(req.id)!;
    const failed = tests.filter((t) => t.status === 'failed').length;
    const passed = tests.filter((t) => t.status === 'passed').length;
    const open =
      tests.length === 0 ? 'kein Test nennt diese Anforderung' : failed > 0 ? `${failed} von ${tests.length} Tests fehlgeschlagen` : passed === 0 ? 'alle Tests übersprungen' : null;
    return { req, how: p.compliance.get(req.id) ?? null, tests, met: open === null, open };
  });
  return { generated: (p.now ?? new Date()).toISOString(), run: { ...p.run, reportName: p.reportName }, rows, bench: p.bench ?? null };
}

const STATUS: Record<TestStatus, string> = { passed: 'bestanden', failed: 'FEHLGESCHLAGEN', skipped: 'übersprungen' };
// Titles are data: the PDF renderer would fill a {{placeholder}} in them.
const plain = (s: string) => s.replace(/\{\{/g, '{ {');

export function toMarkdown(d: Dossier): string {
  const met = d.rows.filter((r) => r.met).length;
  const count = (s: TestStatus) => d.run.tests.filter((t) => t.status === s).length;
  const out: string[] = [
    '# Ratsraum: Konformitätsnachweis',
    '',
    `Erstellt ${d.generated} aus dem Testlauf ${d.run.started ?? '(Zeit unbekannt)'} (${plain(d.run.reportName)}): ${d.run.tests.length} Tests, ${count('passed')} bestanden, ${count('failed')} fehlgeschlagen, ${count('skipped')} übersprungen.`,
    '',
    `${met} von ${d.rows.length} Anforderungen erfüllt, ${d.rows.length - met} offen. Erfüllt heißt: mindestens ein Test nennt die Anforderung im Titel, und jeder Test, der sie nennt, hat im Testlauf bestanden.`,
    '',
    '## Offene Punkte',
    '',
  ];
  const open = d.rows.filter((r) => !r.met);
  if (open.length === 0) out.push('Keine.');
  for (const r of open) out.push(`- ${r.req.id}: ${r.open}${r.how ? '' : '; keine Beschreibung der Umsetzung'}. Anforderung: ${plain(r.req.text)}`);
  let group = '';
  for (const r of d.rows) {
    if (r.req.group !== group) out.push('', `## ${plain((group = r.req.group))}`);
    out.push('', `### ${r.req.id}: ${r.met ? 'erfüllt' : 'offen'}`, '');
    out.push(`- Anforderung: ${plain(r.req.text)}`);
    out.push(`- Rechtsgrundlage: ${plain(r.req.source || '-')}`);
    out.push(`- Umsetzung: ${r.how ? plain(r.how) : 'keine Beschreibung (docs/compliance.md)'}`);
    out.push(`- Nachweise: ${r.tests.length === 0 ? 'keine' : `${r.tests.length} Tests`}${r.open ? `; offen: ${r.open}` : ''}`);
    for (const t of r.tests) out.push(`  - ${STATUS[t.status]}: ${plain(t.file)}: ${plain(t.title)}`);
  }
  out.push('', '## Messwerte', '');
  if (!d.bench) out.push('Keine Messwerte übergeben (`npm run bench -- --json FILE`, dann `ratsraum dossier --bench FILE`).');
  else {
    out.push(`Gemessen ${d.bench.started} (${plain(d.bench.name)}); jede Zahl steht neben ihrer Vergleichsbasis aus demselben Lauf.`);
    for (const b of d.bench.benches) {
      out.push('', `### ${plain(b.file)}${b.exit === 0 ? '' : ` (Abbruch, Exit-Code ${b.exit ?? '-'})`}`, '');
      for (const l of b.lines) out.push(`- ${plain(l.trim())}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export const toPdf = (markdown: string): Promise<Uint8Array> => renderHandbookPdf(markdown, { title: 'Ratsraum: Konformitätsnachweis', lang: 'de' });
