/** LEG-1: legal basis of digital and hybrid sessions, GO NRW §§ 47a, 58a (Handreichung, reference/001). */
import { describe, expect, it } from 'vitest';
import { checkBasis, type Body, type ExceptionDecision, type LegalFacts, type MeetingRequest } from '../../core/legal.js';

const rat: Body = { id: 'rat', type: 'rat' };
const bau: Body = { id: 'bau', type: 'ausschuss', committeeKind: 'other' };
const bv: Body = { id: 'bv-mitte', type: 'bezirksvertretung' };

/** 60 statutory members: 40 yes is exactly two thirds. */
const decision = (over: Partial<ExceptionDecision> = {}): ExceptionDecision => ({
  id: 'R-1',
  decidedAt: '2026-01-15',
  validUntil: '2026-03-15',
  yes: 40,
  statutoryMembers: 60,
  ...over,
});

const clause = { allowsHybridCommittees: true, adoptedAt: '2025-06-01' };

function check(req: Partial<MeetingRequest>, facts: Partial<LegalFacts> = {}) {
  return checkBasis({ body: rat, format: 'digital', date: '2026-02-01', ...req }, { decisions: [], ...facts });
}

function refusal(r: ReturnType<typeof checkBasis>) {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.basis)}`);
  expect(r.reason.de.length).toBeGreaterThan(20);
  expect(r.reason.en.length).toBeGreaterThan(20);
  return r.reason.code;
}

describe('in person', () => {
  it('LEG-1 an in-person session needs no basis, for every body', () => {
    for (const body of [rat, bau, bv, { id: 'ha', type: 'ausschuss', committeeKind: 'haupt' } as Body]) {
      const r = check({ body, format: 'in-person' });
      expect(r).toMatchObject({ ok: true, basis: { kind: 'in-person' } });
    }
  });
});

describe('digital: council decision on the exceptional situation (§ 47a GO NRW)', () => {
  it('LEG-1 a valid decision covering the date is the basis recorded in the minutes', () => {
    const r = check({ basis: 'R-1' }, { decisions: [decision()] });
    expect(r).toEqual({
      ok: true,
      basis: expect.objectContaining({
        kind: 'exception-decision',
        format: 'digital',
        citation: '§ 47a GO NRW',
        decision: 'R-1',
        chain: ['R-1'],
        decidedAt: '2026-01-15',
        validUntil: '2026-03-15',
        yes: 40,
        statutoryMembers: 60,
      }),
    });
    if (r.ok) {
      expect(r.basis.de).toContain('15.01.2026');
      expect(r.basis.de).toContain('§ 47a GO NRW');
    }
  });

  it('LEG-1 without a decision a digital session is refused', () => {
    expect(refusal(check({}))).toBe('no-decision');
    expect(refusal(check({ basis: 'R-9' }, { decisions: [decision()] }))).toBe('decision-unknown');
  });

  it('LEG-1 without a named basis the covering decision is found', () => {
    const r = check({}, { decisions: [decision({ id: 'old', decidedAt: '2025-01-10', validUntil: '2025-03-10' }), decision()] });
    expect(r).toMatchObject({ ok: true, basis: { decision: 'R-1' } });
  });

  it('LEG-1 two thirds of the statutory members: just met is accepted, one vote short is refused', () => {
    expect(check({ basis: 'R-1' }, { decisions: [decision({ yes: 40, statutoryMembers: 60 })] }).ok).toBe(true);
    const short = check({ basis: 'R-1' }, { decisions: [decision({ yes: 39, statutoryMembers: 60 })] });
    expect(refusal(short)).toBe('majority-missed');
    if (!short.ok) expect(short.reason.de).toContain('40 der 60');
    // not divisible by three: 2/3 of 61 is 40.67, so 41 are needed
    expect(check({ basis: 'R-1' }, { decisions: [decision({ yes: 41, statutoryMembers: 61 })] }).ok).toBe(true);
    expect(refusal(check({ basis: 'R-1' }, { decisions: [decision({ yes: 40, statutoryMembers: 61 })] }))).toBe('majority-missed');
  });

  it('LEG-1 at most two months: exactly two months is accepted, one day more is refused', () => {
    expect(check({ basis: 'R-1', date: '2026-03-15' }, { decisions: [decision({ validUntil: '2026-03-15' })] }).ok).toBe(true);
    const long = check({ basis: 'R-1' }, { decisions: [decision({ validUntil: '2026-03-16' })] });
    expect(refusal(long)).toBe('duration-exceeded');
    if (!long.ok) expect(long.reason.de).toContain('15.03.2026');
  });

  it('LEG-1 two months from the 31st end on the last day of the shorter month (§ 188 Abs. 3 BGB)', () => {
    const d = decision({ decidedAt: '2025-12-31', validUntil: '2026-02-28' });
    expect(check({ basis: 'R-1', date: '2026-02-28' }, { decisions: [d] }).ok).toBe(true);
    const leap = decision({ decidedAt: '2027-12-31', validUntil: '2028-02-29' });
    expect(check({ basis: 'R-1', date: '2028-02-29' }, { decisions: [leap] }).ok).toBe(true);
    expect(refusal(check({ basis: 'R-1' }, { decisions: [decision({ decidedAt: '2025-12-31', validUntil: '2026-03-01' })] }))).toBe(
      'duration-exceeded',
    );
  });

  it('LEG-1 the meeting must fall inside the period: the day after the last day is refused', () => {
    expect(check({ basis: 'R-1', date: '2026-03-15' }, { decisions: [decision()] }).ok).toBe(true);
    expect(refusal(check({ basis: 'R-1', date: '2026-03-16' }, { decisions: [decision()] }))).toBe('decision-expired');
  });

  it('LEG-1 the decision must be taken before the meeting day: dated after or on the day is refused', () => {
    expect(check({ basis: 'R-1', date: '2026-01-16' }, { decisions: [decision()] }).ok).toBe(true);
    expect(refusal(check({ basis: 'R-1', date: '2026-01-15' }, { decisions: [decision()] }))).toBe('decision-not-before-meeting');
    expect(refusal(check({ basis: 'R-1', date: '2026-01-10' }, { decisions: [decision()] }))).toBe('decision-not-before-meeting');
  });

  it('LEG-1 extension chain: each extension adds at most two months after the previous end', () => {
    const r1 = decision();
    const r2 = decision({ id: 'R-2', decidedAt: '2026-03-10', validUntil: '2026-05-15', extends: 'R-1' });
    const r3 = decision({ id: 'R-3', decidedAt: '2026-05-12', validUntil: '2026-07-15', extends: 'R-2' });
    const facts = { decisions: [r1, r2, r3] };
    const r = check({ basis: 'R-3', date: '2026-07-15' }, facts);
    expect(r).toMatchObject({ ok: true, basis: { decision: 'R-3', chain: ['R-1', 'R-2', 'R-3'], validUntil: '2026-07-15' } });
    // naming the first decision of the chain finds the extension that covers the date
    expect(check({ basis: 'R-1', date: '2026-06-01' }, facts)).toMatchObject({ ok: true, basis: { decision: 'R-3' } });
    // one day more than two months after R-2's end
    const tooLong = { decisions: [r1, r2, { ...r3, validUntil: '2026-07-16' }] };
    expect(refusal(check({ basis: 'R-3', date: '2026-07-01' }, tooLong))).toBe('extension-exceeded');
  });

  it('LEG-1 an extension period starts the day after the previous end (§ 187 Abs. 2 BGB)', () => {
    const r1 = decision({ decidedAt: '2026-01-05', validUntil: '2026-02-28' });
    const ok = decision({ id: 'R-2', decidedAt: '2026-02-20', validUntil: '2026-04-30', extends: 'R-1' });
    expect(check({ basis: 'R-2', date: '2026-04-30' }, { decisions: [r1, ok] }).ok).toBe(true);
    const late = { ...ok, validUntil: '2026-05-01' };
    expect(refusal(check({ basis: 'R-2', date: '2026-04-01' }, { decisions: [r1, late] }))).toBe('extension-exceeded');
  });

  it('LEG-1 an extension needs two thirds too, and a broken link breaks the chain', () => {
    const r1 = decision();
    const weak = decision({ id: 'R-2', decidedAt: '2026-03-10', validUntil: '2026-05-15', extends: 'R-1', yes: 39 });
    expect(refusal(check({ basis: 'R-2', date: '2026-04-01' }, { decisions: [r1, weak] }))).toBe('majority-missed');
    const badRoot = { ...r1, yes: 10 };
    const r2 = { ...weak, yes: 45 };
    expect(refusal(check({ basis: 'R-2', date: '2026-04-01' }, { decisions: [badRoot, r2] }))).toBe('majority-missed');
    expect(refusal(check({ basis: 'R-2', date: '2026-04-01' }, { decisions: [r2] }))).toBe('extension-unknown');
    const loopA = decision({ id: 'A', extends: 'B' });
    const loopB = decision({ id: 'B', extends: 'A' });
    expect(refusal(check({ basis: 'A' }, { decisions: [loopA, loopB] }))).toBe('extension-cycle');
  });

  it('LEG-1 an "extension" taken after the previous decision lapsed counts as a new two-month decision', () => {
    const r1 = decision();
    const r2 = decision({ id: 'R-2', decidedAt: '2026-04-01', validUntil: '2026-06-01', extends: 'R-1' });
    expect(check({ basis: 'R-2', date: '2026-05-20' }, { decisions: [r1, r2] }).ok).toBe(true);
    expect(refusal(check({ basis: 'R-2' }, { decisions: [r1, { ...r2, validUntil: '2026-06-02' }] }))).toBe('extension-exceeded');
  });

  it('LEG-1 the decision covers council, committees (Haupt-, Finanz-, Rechnungsprüfungsausschuss too) and Bezirksvertretungen', () => {
    const kinds = ['haupt', 'finanz', 'rechnungspruefung', 'other'] as const;
    for (const body of [rat, bv, ...kinds.map((k): Body => ({ id: k, type: 'ausschuss', committeeKind: k }))]) {
      expect(check({ body, basis: 'R-1' }, { decisions: [decision()] }).ok).toBe(true);
    }
  });

  it('LEG-1 a decision limited to some bodies does not cover others', () => {
    const d = decision({ bodies: ['rat'] });
    expect(check({ basis: 'R-1' }, { decisions: [d] }).ok).toBe(true);
    expect(refusal(check({ body: bau, basis: 'R-1' }, { decisions: [d] }))).toBe('decision-not-for-body');
  });

  it('LEG-1 malformed dates and counts are refused, not guessed', () => {
    expect(refusal(check({ date: '2026-02-30' }))).toBe('invalid-date');
    expect(refusal(check({ basis: 'R-1' }, { decisions: [decision({ validUntil: '15.03.2026' })] }))).toBe('decision-invalid');
    expect(refusal(check({ basis: 'R-1' }, { decisions: [decision({ yes: 61 })] }))).toBe('decision-invalid');
    expect(refusal(check({ basis: 'R-1' }, { decisions: [decision({ decidedAt: '2026-03-20' })] }))).toBe('decision-invalid');
    expect(check({ basis: 'R-1', date: '2026-02-01T18:00:00+01:00' }, { decisions: [decision()] }).ok).toBe(true);
  });
});

describe('hybrid (§ 58a GO NRW; hybrid counts as digital under § 47a)', () => {
  const hybrid = (body: Body, facts: Partial<LegalFacts> = {}, date = '2026-02-01') =>
    check({ body, format: 'hybrid', date }, facts);

  it('LEG-1 a hybrid committee session under the Hauptsatzung clause records the clause', () => {
    expect(hybrid(bau, { hauptsatzung: clause })).toMatchObject({
      ok: true,
      basis: { kind: 'hauptsatzung', format: 'hybrid', citation: '§ 58a GO NRW', adoptedAt: '2025-06-01' },
    });
    expect(hybrid(bv, { hauptsatzung: clause })).toMatchObject({ ok: true, basis: { kind: 'hauptsatzung' } });
  });

  it('LEG-1 without the Hauptsatzung clause a hybrid committee session is refused', () => {
    expect(refusal(hybrid(bau))).toBe('no-hauptsatzung-clause');
    expect(refusal(hybrid(bau, { hauptsatzung: { ...clause, allowsHybridCommittees: false } }))).toBe('no-hauptsatzung-clause');
    expect(refusal(hybrid(bv))).toBe('no-hauptsatzung-clause');
  });

  it('LEG-1 the clause must be in force before the meeting day', () => {
    expect(hybrid(bau, { hauptsatzung: { ...clause, adoptedAt: '2026-01-31' } }).ok).toBe(true);
    expect(refusal(hybrid(bau, { hauptsatzung: { ...clause, adoptedAt: '2026-02-01' } }))).toBe('hauptsatzung-not-in-force');
  });

  it.each([
    ['haupt', 'Hauptausschuss'],
    ['finanz', 'Finanzausschuss'],
    ['rechnungspruefung', 'Rechnungsprüfungsausschuss'],
  ] as const)('LEG-1 hybrid is refused for the %s committee even with the clause', (kind, name) => {
    const r = hybrid({ id: kind, type: 'ausschuss', committeeKind: kind }, { hauptsatzung: clause });
    expect(refusal(r)).toBe('hybrid-excluded-committee');
    if (!r.ok) expect(r.reason.de).toContain(name);
  });

  it('LEG-1 a committee of unknown kind is not assumed to be an ordinary one', () => {
    expect(refusal(hybrid({ id: 'x', type: 'ausschuss' }, { hauptsatzung: clause }))).toBe('committee-kind-missing');
  });

  it('LEG-1 a hybrid council session is refused under the Hauptsatzung clause', () => {
    expect(refusal(hybrid(rat, { hauptsatzung: clause }))).toBe('hybrid-council');
  });

  it('LEG-1 with a § 47a decision hybrid is allowed for the council and the excluded committees', () => {
    const facts = { hauptsatzung: clause, decisions: [decision()] };
    expect(hybrid(rat, facts)).toMatchObject({ ok: true, basis: { kind: 'exception-decision', format: 'hybrid' } });
    const haupt: Body = { id: 'ha', type: 'ausschuss', committeeKind: 'haupt' };
    expect(hybrid(haupt, facts)).toMatchObject({ ok: true, basis: { kind: 'exception-decision', format: 'hybrid' } });
    // a named decision is used even where the clause would do
    expect(check({ body: bau, format: 'hybrid', basis: 'R-1' }, facts)).toMatchObject({ ok: true, basis: { kind: 'exception-decision' } });
    // and the refusal names the § 58a obstacle when no decision covers the date
    expect(refusal(hybrid(haupt, facts, '2026-04-01'))).toBe('hybrid-excluded-committee');
  });
});
