/**
 * What the record check page shows of a VerifyReport (core/export.ts): the verdict, the tenant key, the
 * meeting, counts and the secret-vote audit, and each problem sorted into a kind the page explains in plain
 * words (the English line of `ratsraum verify` stays beside it as the technical detail).
 */
import type { VerifyReport } from '../../../core/export.js';
import type { SessionState } from '../../../core/state.js';

export const PROBLEMS = ['format', 'tenantKey', 'cert', 'signature', 'rejected', 'listing', 'fork', 'gap', 'missing', 'rollback', 'secret', 'heads', 'cut', 'other'] as const;
export type ProblemCode = (typeof PROBLEMS)[number];
export const PENDING = ['open', 'trustees', 'heads', 'other'] as const;
export type PendingCode = (typeof PENDING)[number];

export interface Finding<C> {
  code: C;
  detail: string; // the line `ratsraum verify` prints, English
}

/** The check of minutes against the record (`ratsraum verify --minutes`, its data part). */
export interface MinutesSummary {
  ok: boolean;
  pdf: boolean; // read from a PDF's attachment (else a JSON file)
  problems: string[]; // English lines of the check
  notes: string[];
  hash: string | null; // the minutes hash the record yields
  signatures: number;
}

export interface CheckSummary {
  verdict: VerifyReport['verdict'];
  fingerprint: string | null;
  /** Whether the fingerprint matches the one entered; null when none was entered. */
  keyMatches: boolean | null;
  meeting: { tenant: string; id: string; title: string; body: string; start: number | null; session: SessionState['session'] } | null;
  counts: { envelopes: number; applied: number; items: number; nonPublic: number; votes: number; present: number; statutory: number; attendanceChanges: number };
  stateHash: string | null;
  problems: Finding<ProblemCode>[];
  pending: Finding<PendingCode>[];
  secret: { vote: string; title: string; ballots: number; partials: number; ok: boolean }[];
  /** Present when minutes were given. */
  minutes?: MinutesSummary | null;
}

const PROBLEM_RULES: [RegExp, ProblemCode][] = [
  [/^not a ratsraum-export|is not base64/, 'format'],
  [/^tenant key:/, 'tenantKey'],
  [/^certificate of /, 'cert'],
  [/ rejected: bad signature$/, 'signature'],
  [/^envelope .* rejected: /, 'rejected'],
  [/listed twice|listed before its predecessor|depends on the members envelope|has an invalid payload/, 'listing'],
  [/^fork: /, 'fork'],
  [/^gap: /, 'gap'],
  [/ depends on missing /, 'missing'],
  [/^rollback: /, 'rollback'],
  [/^secret vote /, 'secret'],
  [/^signed heads of /, 'heads'],
  [/^cut: /, 'cut'],
];
const PENDING_RULES: [RegExp, PendingCode][] = [
  [/^the session is /, 'open'],
  [/^secret vote /, 'trustees'],
  [/^no signed heads /, 'heads'],
];

const classify = <C extends string>(rules: [RegExp, C][], fallback: C) => (detail: string): Finding<C> => ({ code: rules.find(([re]) => re.test(detail))?.[1] ?? fallback, detail });

export function summarize(r: VerifyReport, expected: string | undefined, ref: { tenant: string; meeting: string } | null): CheckSummary {
  const s = r.state;
  return {
    verdict: r.verdict,
    fingerprint: r.tenantKeyFingerprint,
    keyMatches: expected === undefined || !r.tenantKeyFingerprint ? null : !r.problems.some((p) => p.startsWith('tenant key:')),
    meeting: s && ref ? { tenant: ref.tenant, id: ref.meeting, title: s.meeting?.title ?? ref.meeting, body: s.body?.name ?? '', start: s.meeting?.start ?? null, session: s.session } : null,
    counts: {
      envelopes: r.envelopes,
      applied: r.applied,
      items: s?.agenda.length ?? 0,
      nonPublic: s?.agenda.filter((i) => !i.public).length ?? 0,
      votes: s?.votes.length ?? 0,
      present: s ? Object.values(s.attendance).filter((a) => a.present).length : 0,
      statutory: s?.quorum.statutory ?? 0,
      attendanceChanges: s?.attendanceLog.length ?? 0,
    },
    stateHash: r.stateHash,
    problems: r.problems.map(classify(PROBLEM_RULES, 'other')),
    pending: r.pending.map(classify(PENDING_RULES, 'other')),
    secret: (r.secret?.votes ?? []).map((v) => ({ vote: v.vote, title: v.title, ballots: v.ballots, partials: v.partials, ok: v.ok })),
  };
}
