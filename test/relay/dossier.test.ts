/**
 * `ratsraum dossier`: run as a child process on test reports, its Markdown and its PDF (text drawn on the
 * pages, parsed back) read independently of relay/dossier.ts. IDs come from /work/shared/REQUIREMENTS.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/pdf-text.js';
import { cleanup, tempDir } from '../helpers/relay.js';

const SHARED = '/work/shared/REQUIREMENTS.md';
const REQS = existsSync(SHARED) ? SHARED : 'docs/REQUIREMENTS.md';
const ALL_IDS = [...readFileSync(REQS, 'utf8').matchAll(/^- ([A-Z]+-\d+) /gm)].map((m) => m[1]!);
const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

const dossier = (...args: string[]) => spawnSync(process.execPath, ['bin/ratsraum.mjs', 'dossier', '--requirements', REQS, ...args], { encoding: 'utf8' });

/** A report in Vitest's JSON shape, as `vitest run --reporter=json` writes it. */
function report(tests: { file: string; title: string; status: string; describe?: string }[]) {
  const files = [...new Set(tests.map((t) => t.file))];
  return {
    numTotalTests: tests.length,
    startTime: Date.parse('2026-12-01T12:00:00Z'),
    success: tests.every((t) => t.status !== 'failed'),
    testResults: files.map((f) => ({
      name: join(process.cwd(), f),
      status: tests.some((t) => t.file === f && t.status === 'failed') ? 'failed' : 'passed',
      assertionResults: tests
        .filter((t) => t.file === f)
        .map((t) => ({ ancestorTitles: t.describe ? [t.describe] : [], title: t.title, fullName: `${t.describe ?? ''} ${t.title}`.trim(), status: t.status, duration: 1, failureMessages: t.status === 'failed' ? ['expected 1 to be 2'] : [] })),
    })),
  };
}

/** The status the Markdown gives each ID in its heading. */
const statusIn = (text: string) => new Map([...text.matchAll(/### ([A-Z]+-\d+): (erfüllt|offen)/g)].map((m) => [m[1]!, m[2]!]));

function run(tests: Parameters<typeof report>[0], extra: string[] = []) {
  const dir = tempDir();
  dirs.push(dir);
  writeFileSync(join(dir, 'vitest.json'), JSON.stringify(report(tests)));
  const r = dossier('--report', join(dir, 'vitest.json'), '--out', join(dir, 'out'), ...extra);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return { dir, md: readFileSync(join(dir, 'out/dossier.md'), 'utf8'), pdf: new Uint8Array(readFileSync(join(dir, 'out/dossier.pdf'))) };
}

const SYNTHETIC = [
  { file: 'test/relay/a.test.ts', describe: 'legal basis', title: 'LEG-1 a hybrid Hauptausschuss is refused', status: 'passed' },
  { file: 'test/relay/a.test.ts', title: 'VOTE-1 roll-call names every voter', status: 'passed' },
  { file: 'test/relay/b.test.ts', title: 'VOTE-1 VOTE-8 the public sees the kind of the vote', status: 'failed' },
  { file: 'test/relay/b.test.ts', title: 'VOTE-15 a late ballot is late on every device', status: 'passed' },
  { file: 'test/relay/b.test.ts', title: 'SEC-1 a skipped proof', status: 'skipped' },
];

describe('ratsraum dossier', () => {
  it('the requirements file names the IDs the dossier must list', () => {
    expect(ALL_IDS.length).toBeGreaterThan(40);
    expect(ALL_IDS).toContain('MIN-2');
  });

  it('the dossier lists every ID of REQUIREMENTS.md with its legal source; an ID whose test fails or that no test names is open', () => {
    const { md } = run(SYNTHETIC);
    const status = statusIn(md);
    expect([...status.keys()]).toEqual(ALL_IDS);
    expect(status.get('LEG-1')).toBe('erfüllt');
    expect(status.get('VOTE-15')).toBe('erfüllt'); // not counted for VOTE-1, nor VOTE-1's failure for it
    expect(status.get('VOTE-1')).toBe('offen'); // one passed, one failed
    expect(status.get('VOTE-8')).toBe('offen');
    expect(status.get('SEC-1')).toBe('offen'); // skipped only
    expect(status.get('MIN-2')).toBe('offen'); // no test
    expect([...status.values()].filter((s) => s === 'erfüllt')).toHaveLength(2);
    const open = md.slice(md.indexOf('## Offene Punkte'), md.indexOf('\n## ', md.indexOf('## Offene Punkte') + 1));
    for (const id of ALL_IDS.filter((i) => i !== 'LEG-1' && i !== 'VOTE-15')) expect(open).toMatch(new RegExp(`^- ${id}: `, 'm'));
    expect(open).toContain('- VOTE-1: 1 von 2 Tests fehlgeschlagen');
    expect(open).toContain('- MIN-2: kein Test nennt diese Anforderung');
    expect(md).toContain('FEHLGESCHLAGEN: test/relay/b.test.ts: VOTE-1 VOTE-8 the public sees the kind of the vote');
    expect(md).toContain('bestanden: test/relay/a.test.ts: legal basis > LEG-1 a hybrid Hauptausschuss is refused');
    expect(md).toContain('5 Tests, 3 bestanden, 1 fehlgeschlagen, 1 übersprungen');
    const section = (id: string) => md.slice(md.indexOf(`### ${id}:`), md.indexOf('\n### ', md.indexOf(`### ${id}:`) + 1));
    expect(section('LEG-1')).toContain('Rechtsgrundlage: GO NRW §§ 47a, 58a');
    expect(section('VID-1')).toContain('Rechtsgrundlage: DigiSiVO § 2 Abs. 1');
    expect(section('VOTE-12')).toContain('Rechtsgrundlage: GO NRW § 50 Abs. 1');
    expect(section('LEG-1')).toContain('Umsetzung: Jede Sitzung hält ihre Form');
  });

  it('the PDF parses back with the same IDs, statuses, tests and figures', () => {
    const bench = { format: 'ratsraum-bench/v1', started: '2026-12-01T13:00:00Z', finished: '2026-12-01T13:05:00Z', benches: [{ file: 'bench/cold-verify.ts', exit: 0, seconds: 41, lines: ['bench/cold-verify: 20000 envelopes, 17 devices', 'chromium baseline decode 120 ms | load+verify+fold webcrypto 1234 ms (10.3x)'] }] };
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'bench.json'), JSON.stringify(bench));
    const { md, pdf } = run(SYNTHETIC, ['--bench', join(dir, 'bench.json')]);
    return textOf(pdf).then((text) => {
      expect(text.slice(0, 5)).not.toBe('');
      const inPdf = new Map([...text.matchAll(/([A-Z]+-\d+): (erfüllt|offen)/g)].map((m) => [m[1]!, m[2]!]));
      expect(inPdf).toEqual(statusIn(md));
      expect([...inPdf.keys()]).toEqual(expect.arrayContaining(ALL_IDS));
      expect(text).toContain('load+verify+fold webcrypto 1234 ms (10.3x)');
      expect(md).toContain('- chromium baseline decode 120 ms');
      expect(text).toMatch(/Seite 1 von \d+/);
    });
  });

  it("reads a report the real Vitest JSON reporter wrote: a failing test's ID is open", () => {
    const dir = join(process.cwd(), '.tmp', `dossier-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    dirs.push(dir);
    writeFileSync(join(dir, 'x.test.ts'), `import { expect, it } from 'vitest';\nit('LEG-2 passes', () => expect(1).toBe(1));\nit('ORG-3 fails', () => expect(1).toBe(2));\n`);
    writeFileSync(join(dir, 'vitest.config.ts'), 'export default {};\n');
    // A Vitest started from inside a Vitest worker would take itself for a worker: without our VITEST* variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'TEST'));
    const vt = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--root', dir, '--reporter=json', `--outputFile=${join(dir, 'vitest.json')}`], { encoding: 'utf8', env, timeout: 90_000 });
    expect(vt.status, vt.stdout + vt.stderr).toBe(1); // one test failed
    const r = dossier('--report', join(dir, 'vitest.json'), '--out', join(dir, 'out'));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const status = statusIn(readFileSync(join(dir, 'out/dossier.md'), 'utf8'));
    expect(status.get('LEG-2')).toBe('erfüllt');
    expect(status.get('ORG-3')).toBe('offen');
    expect([...status.values()].filter((s) => s === 'erfüllt')).toHaveLength(1);
    expect(r.stdout).toMatch(/^dossier: 1 of \d+ requirements met/);
  });

  it('reads both reports of npm test together: an ID passing in one and failing in the other is open', () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(report([{ file: 'test/a.test.ts', title: 'VID-1 passes here', status: 'passed' }, { file: 'test/a.test.ts', title: 'LEG-1 passes', status: 'passed' }])));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(report([{ file: 'test/browser/video.test.ts', title: 'VID-1 fails alone', status: 'failed' }])));
    const r = dossier('--report', join(dir, 'a.json'), '--report', join(dir, 'b.json'), '--out', join(dir, 'out'));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const md = readFileSync(join(dir, 'out/dossier.md'), 'utf8');
    const status = statusIn(md);
    expect(status.get('LEG-1')).toBe('erfüllt');
    expect(status.get('VID-1')).toBe('offen');
    expect(md).toContain('VID-1 fails alone');
    expect(md).toContain('VID-1 passes here');
  });

  it('refuses a file that is no Vitest report', () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'r.json'), '{"tests": []}');
    const r = dossier('--report', join(dir, 'r.json'), '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not a Vitest JSON report');
    expect(existsSync(join(dir, 'out/dossier.md'))).toBe(false);
  });
});
