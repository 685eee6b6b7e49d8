/**
 * Legal basis of a meeting's format (LEG-1). Pure: facts in, a basis for the minutes or a reason out.
 *
 * Rules (sources: GO NRW §§ 47a, 58a as summarised in the ministry's Handreichung, reference/001, sections
 * "Voraussetzungen" table, 2 and 3; periods per §§ 187 Abs. 2, 188 Abs. 2 and 3 BGB via § 31 VwVfG NRW):
 * - In person: always allowed; nothing to record.
 * - Digital (§ 47a GO NRW): only in a special exceptional case (catastrophe, epidemic, other emergency) that
 *   the council has declared; the council decides with a 2/3 majority, modelled as two thirds of its
 *   statutory members, for at most two months; extension is possible. The council's decision covers
 *   sessions of the council, its committees and the Bezirksvertretungen, Haupt-, Finanz- and
 *   Rechnungsprüfungsausschuss included. The decision must be taken before the meeting day: with dates
 *   only, a same-day decision cannot be ordered before the convocation.
 *   - "at most two months" from the decision day: the period ends on the day of the same number two months
 *     later, or on the last day of that month when it has no such day (§ 188 Abs. 2, 3 BGB).
 *   - an extension is itself a 2/3 decision and may run at most two months beyond the end of the decision it
 *     extends (§ 187 Abs. 2 BGB: the new period starts the day after); one taken after that end is a new
 *     decision and gets two months from its own day.
 * - Hybrid: a hybrid session counts as digital (Handreichung 2, § 47a GO NRW), so a § 47a decision allows it
 *   for every body. Without one, § 58a GO NRW allows hybrid sessions of committees (and Bezirksvertretungen,
 *   Handreichung table) only where the Hauptsatzung says so, never for Haupt-, Finanz- and
 *   Rechnungsprüfungsausschuss, and never for the council itself (§ 58a covers committees only).
 *   The Hauptsatzung clause must be adopted before the meeting day. Each committee then decides with a
 *   simple majority (§ 58a); that decision is not modelled here.
 */
import { decide } from './majority.js';

export type BodyType = 'rat' | 'ausschuss' | 'bezirksvertretung';
export type CommitteeKind = 'haupt' | 'finanz' | 'rechnungspruefung' | 'other';
export type Format = 'in-person' | 'hybrid' | 'digital';

export interface Body {
  id: string;
  type: BodyType;
  committeeKind?: CommitteeKind;
}

/** A council decision declaring the exceptional situation (§ 47a GO NRW). Dates are ISO calendar dates. */
export interface ExceptionDecision {
  id: string;
  decidedAt: string;
  validUntil: string;
  yes: number;
  statutoryMembers: number;
  extends?: string;
  /** Bodies whose sessions it covers; absent: every body of the municipality. */
  bodies?: readonly string[];
}

export interface HauptsatzungClause {
  allowsHybridCommittees: boolean;
  adoptedAt: string;
}

export interface LegalFacts {
  decisions: readonly ExceptionDecision[];
  hauptsatzung?: HauptsatzungClause;
}

export interface MeetingRequest {
  body: Body;
  format: Format;
  /** ISO date; a date-time is read by its calendar date as written. */
  date: string;
  basis?: string;
}

export type Basis =
  | { kind: 'in-person'; format: 'in-person'; de: string; en: string }
  | {
      kind: 'exception-decision';
      format: 'digital' | 'hybrid';
      citation: '§ 47a GO NRW';
      decision: string;
      /** The decision and the ones it extends, oldest first. */
      chain: string[];
      decidedAt: string;
      validUntil: string;
      yes: number;
      statutoryMembers: number;
      de: string;
      en: string;
    }
  | {
      kind: 'hauptsatzung';
      format: 'hybrid';
      citation: '§ 58a GO NRW';
      adoptedAt: string;
      de: string;
      en: string;
    };

export const REASONS = [
  'invalid-date',
  'no-decision',
  'decision-unknown',
  'decision-invalid',
  'majority-missed',
  'duration-exceeded',
  'extension-unknown',
  'extension-cycle',
  'extension-exceeded',
  'decision-not-before-meeting',
  'decision-expired',
  'decision-not-for-body',
  'hybrid-council',
  'hybrid-excluded-committee',
  'committee-kind-missing',
  'no-hauptsatzung-clause',
  'hauptsatzung-not-in-force',
] as const;
export type ReasonCode = (typeof REASONS)[number];
export interface Reason {
  code: ReasonCode;
  de: string;
  en: string;
}
export type BasisCheck = { ok: true; basis: Basis } | { ok: false; reason: Reason };

// ---- calendar dates as day numbers (UTC, no time zone involved) ----

const DAY = 86_400_000;

function dayOf(iso: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(iso);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return t / DAY;
}

/** Same day number `months` later, or the last day of that month (§ 188 Abs. 2, 3 BGB). */
function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last)) / DAY;
}

function iso(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function de(day: number): string {
  const [y, m, d] = iso(day).split('-');
  return `${d}.${m}.${y}`;
}

const reason = (code: ReasonCode, deText: string, enText: string): BasisCheck => ({
  ok: false,
  reason: { code, de: deText, en: enText },
});

// ---- § 47a: the council's decision and its extension chain ----

interface Valid {
  decision: ExceptionDecision;
  chain: ExceptionDecision[];
  from: number;
  until: number;
}

function validate(
  d: ExceptionDecision,
  byId: ReadonlyMap<string, ExceptionDecision>,
  seen: ReadonlySet<string> = new Set(),
): { ok: true; v: Valid } | { ok: false; check: BasisCheck } {
  const fail = (code: ReasonCode, deText: string, enText: string) => ({ ok: false as const, check: reason(code, deText, enText) });
  const from = dayOf(d.decidedAt);
  const until = dayOf(d.validUntil);
  const counts = Number.isInteger(d.yes) && Number.isInteger(d.statutoryMembers) && d.yes >= 0 && d.yes <= d.statutoryMembers;
  if (from === undefined || until === undefined || until < from || !counts) {
    return fail(
      'decision-invalid',
      `Der Ratsbeschluss „${d.id}“ ist unvollständig oder widersprüchlich (Datum, Geltungsdauer oder Stimmenzahlen).`,
      `Council decision "${d.id}" is incomplete or inconsistent (dates, period or vote counts).`,
    );
  }
  if (decide('two-thirds-statutory', { yes: d.yes, no: 0, abstain: 0 }, d.statutoryMembers) !== 'accepted') {
    const need = Math.ceil((2 * d.statutoryMembers) / 3);
    return fail(
      'majority-missed',
      `Der Ratsbeschluss „${d.id}“ hat mit ${d.yes} Ja-Stimmen die nach § 47a GO NRW nötige Zweidrittelmehrheit von ${need} der ${d.statutoryMembers} gesetzlichen Mitglieder verfehlt.`,
      `Council decision "${d.id}" got ${d.yes} votes in favour and missed the two-thirds majority of ${need} of ${d.statutoryMembers} statutory members required by § 47a GO NRW.`,
    );
  }
  let max = addMonths(from, 2);
  let chain = [d];
  if (d.extends !== undefined) {
    if (seen.has(d.id) || d.extends === d.id) {
      return fail('extension-cycle', `Die Verlängerungskette des Ratsbeschlusses „${d.id}“ ist zirkulär.`, `The extension chain of council decision "${d.id}" is circular.`);
    }
    const prev = byId.get(d.extends);
    if (!prev) {
      return fail(
        'extension-unknown',
        `Der Ratsbeschluss „${d.id}“ verlängert den unbekannten Beschluss „${d.extends}“.`,
        `Council decision "${d.id}" extends the unknown decision "${d.extends}".`,
      );
    }
    const p = validate(prev, byId, new Set([...seen, d.id]));
    if (!p.ok) return p;
    if (from <= p.v.until) max = Math.max(max, addMonths(p.v.until + 1, 2) - 1);
    chain = [...p.v.chain, d];
    if (until > max) {
      return fail(
        'extension-exceeded',
        `Die Verlängerung „${d.id}“ gilt bis ${de(until)}; zulässig sind höchstens zwei weitere Monate, also bis ${de(max)} (§ 47a GO NRW).`,
        `Extension "${d.id}" runs until ${iso(until)}; at most two more months are allowed, i.e. until ${iso(max)} (§ 47a GO NRW).`,
      );
    }
  }
  if (until > max) {
    return fail(
      'duration-exceeded',
      `Der Ratsbeschluss „${d.id}“ vom ${de(from)} gilt bis ${de(until)}; zulässig sind höchstens zwei Monate, also bis ${de(max)} (§ 47a GO NRW).`,
      `Council decision "${d.id}" of ${iso(from)} runs until ${iso(until)}; at most two months are allowed, i.e. until ${iso(max)} (§ 47a GO NRW).`,
    );
  }
  return { ok: true, v: { decision: d, chain, from, until } };
}

function covers(v: Valid, req: MeetingRequest, date: number): BasisCheck {
  const d = v.decision;
  if (d.bodies && !d.bodies.includes(req.body.id)) {
    return reason(
      'decision-not-for-body',
      `Der Ratsbeschluss „${d.id}“ erfasst Sitzungen dieses Gremiums nicht.`,
      `Council decision "${d.id}" does not cover sessions of this body.`,
    );
  }
  if (date <= v.from) {
    return reason(
      'decision-not-before-meeting',
      `Der Ratsbeschluss „${d.id}“ vom ${de(v.from)} wurde nicht vor dem Sitzungstag ${de(date)} gefasst; er muss vor der Einberufung vorliegen.`,
      `Council decision "${d.id}" of ${iso(v.from)} was not taken before the meeting day ${iso(date)}; it must exist before the meeting is convened.`,
    );
  }
  if (date > v.until) {
    return reason(
      'decision-expired',
      `Der Ratsbeschluss „${d.id}“ galt nur bis ${de(v.until)}; für den ${de(date)} ist eine Verlängerung mit Zweidrittelmehrheit nötig.`,
      `Council decision "${d.id}" was valid only until ${iso(v.until)}; ${iso(date)} needs an extension by a two-thirds majority.`,
    );
  }
  const fmt = req.format === 'hybrid' ? 'hybrid' : 'digital';
  const fmtDe = fmt === 'hybrid' ? 'Hybride' : 'Digitale';
  const fmtEn = fmt === 'hybrid' ? 'Hybrid' : 'Digital';
  return {
    ok: true,
    basis: {
      kind: 'exception-decision',
      format: fmt,
      citation: '§ 47a GO NRW',
      decision: d.id,
      chain: v.chain.map((c) => c.id),
      decidedAt: iso(v.from),
      validUntil: iso(v.until),
      yes: d.yes,
      statutoryMembers: d.statutoryMembers,
      de: `${fmtDe} Sitzung auf Grund des Ratsbeschlusses „${d.id}“ vom ${de(v.from)} über den besonderen Ausnahmefall nach § 47a GO NRW (${d.yes} von ${d.statutoryMembers} gesetzlichen Mitgliedern), gültig bis ${de(v.until)}.`,
      en: `${fmtEn} session based on council decision "${d.id}" of ${iso(v.from)} on the exceptional situation under § 47a GO NRW (${d.yes} of ${d.statutoryMembers} statutory members), valid until ${iso(v.until)}.`,
    },
  };
}

/** The named decision, or a valid extension of it that covers the date; without a name, any decision that does. */
function viaDecision(req: MeetingRequest, facts: LegalFacts, date: number): BasisCheck {
  const byId = new Map(facts.decisions.map((d) => [d.id, d]));
  if (req.basis !== undefined) {
    const named = byId.get(req.basis);
    if (!named) {
      return reason('decision-unknown', `Der Ratsbeschluss „${req.basis}“ ist nicht bekannt.`, `Council decision "${req.basis}" is not known.`);
    }
    const v = validate(named, byId);
    if (!v.ok) return v.check;
    const first = covers(v.v, req, date);
    if (first.ok || first.reason.code !== 'decision-expired') return first;
    for (const d of facts.decisions) {
      const e = validate(d, byId);
      if (e.ok && e.v.chain.some((c) => c.id === named.id) && d.id !== named.id) {
        const c = covers(e.v, req, date);
        if (c.ok) return c;
      }
    }
    return first;
  }
  for (const d of facts.decisions) {
    const v = validate(d, byId);
    if (!v.ok) continue;
    const c = covers(v.v, req, date);
    if (c.ok) return c;
  }
  return reason(
    'no-decision',
    `Für den ${de(date)} liegt kein gültiger Ratsbeschluss über einen besonderen Ausnahmefall (§ 47a GO NRW) vor, der diese Sitzung erfasst.`,
    `No valid council decision on an exceptional situation (§ 47a GO NRW) covers this session on ${iso(date)}.`,
  );
}

const EXCLUDED: Record<string, [string, string]> = {
  haupt: ['Hauptausschuss', 'main committee (Hauptausschuss)'],
  finanz: ['Finanzausschuss', 'finance committee (Finanzausschuss)'],
  rechnungspruefung: ['Rechnungsprüfungsausschuss', 'audit committee (Rechnungsprüfungsausschuss)'],
};

/** § 58a GO NRW: hybrid committee sessions under the Hauptsatzung clause. */
function viaHauptsatzung(req: MeetingRequest, facts: LegalFacts, date: number): BasisCheck {
  const body = req.body;
  const only47a = 'Möglich ist sie nur mit einem Ratsbeschluss über einen besonderen Ausnahmefall (§ 47a GO NRW).';
  const only47aEn = 'It is possible only with a council decision on an exceptional situation (§ 47a GO NRW).';
  if (body.type === 'rat') {
    return reason(
      'hybrid-council',
      `Eine hybride Ratssitzung ist nach § 58a GO NRW nicht zulässig; die Vorschrift gilt nur für Ausschüsse. ${only47a}`,
      `A hybrid council session is not allowed under § 58a GO NRW, which covers committees only. ${only47aEn}`,
    );
  }
  if (body.type === 'ausschuss') {
    const kind = body.committeeKind;
    if (kind === undefined) {
      return reason(
        'committee-kind-missing',
        'Die Art des Ausschusses ist nicht angegeben; ohne sie lässt sich der Ausschluss von Haupt-, Finanz- und Rechnungsprüfungsausschuss (§ 58a GO NRW) nicht prüfen.',
        'The kind of committee is not set; without it the exclusion of the main, finance and audit committees (§ 58a GO NRW) cannot be checked.',
      );
    }
    const excluded = EXCLUDED[kind];
    if (excluded) {
      return reason(
        'hybrid-excluded-committee',
        `Der ${excluded[0]} darf nach § 58a GO NRW keine hybriden Sitzungen auf Grund der Hauptsatzung durchführen. ${only47a}`,
        `The ${excluded[1]} may not hold hybrid sessions under the Hauptsatzung (§ 58a GO NRW). ${only47aEn}`,
      );
    }
  }
  const clause = facts.hauptsatzung;
  if (!clause || !clause.allowsHybridCommittees) {
    return reason(
      'no-hauptsatzung-clause',
      'Die Hauptsatzung enthält keine Bestimmung, die hybride Ausschusssitzungen zulässt (§ 58a GO NRW).',
      'The Hauptsatzung has no clause allowing hybrid committee sessions (§ 58a GO NRW).',
    );
  }
  const adopted = dayOf(clause.adoptedAt);
  if (adopted === undefined || adopted >= date) {
    return reason(
      'hauptsatzung-not-in-force',
      `Die Bestimmung der Hauptsatzung über hybride Sitzungen galt am ${de(date)} noch nicht.`,
      `The Hauptsatzung clause on hybrid sessions was not yet in force on ${iso(date)}.`,
    );
  }
  return {
    ok: true,
    basis: {
      kind: 'hauptsatzung',
      format: 'hybrid',
      citation: '§ 58a GO NRW',
      adoptedAt: iso(adopted),
      de: `Hybride Sitzung auf Grund der Hauptsatzung (Bestimmung vom ${de(adopted)}) nach § 58a GO NRW.`,
      en: `Hybrid session under the Hauptsatzung (clause of ${iso(adopted)}) according to § 58a GO NRW.`,
    },
  };
}

export function checkBasis(req: MeetingRequest, facts: LegalFacts): BasisCheck {
  const date = dayOf(req.date);
  if (date === undefined) {
    return reason('invalid-date', `Das Sitzungsdatum „${req.date}“ ist ungültig.`, `The meeting date "${req.date}" is invalid.`);
  }
  if (req.format === 'in-person') {
    return {
      ok: true,
      basis: { kind: 'in-person', format: 'in-person', de: 'Präsenzsitzung.', en: 'In-person session.' },
    };
  }
  if (req.format === 'digital' || req.basis !== undefined) return viaDecision(req, facts, date);
  const statute = viaHauptsatzung(req, facts, date);
  if (statute.ok) return statute;
  // A § 47a decision also allows hybrid; name the § 58a obstacle if there is none.
  const decision = viaDecision(req, facts, date);
  return decision.ok ? decision : statute;
}
