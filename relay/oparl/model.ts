/**
 * The normalised OParl master data Ratsraum keeps: plain objects keyed by their OParl id (a URL), with
 * references to other objects by OParl id. What the walker produces and the store persists.
 */

export interface Body {
  id: string;
  name: string;
  shortName?: string;
}

/** Factions have a classification or organizationType like "Fraktion", committees like "Ausschuss". */
export interface Organization {
  id: string;
  body: string;
  name: string;
  classification?: string;
  organizationType?: string;
}

export interface Person {
  id: string;
  name: string;
  email?: string;
}

export interface Membership {
  id: string;
  person: string;
  organization: string;
  role?: string;
  votingRight: boolean;
  /** YYYY-MM-DD */
  start?: string;
  end?: string;
}

export interface Meeting {
  id: string;
  body?: string;
  organizations: string[];
  name: string;
  /** ISO 8601 in UTC */
  start: string;
  end?: string;
  location?: string;
  cancelled?: boolean;
}

export interface AgendaItem {
  id: string;
  meeting: string;
  number: string;
  name: string;
  public: boolean;
  /** Position within the meeting, counted from 0 without gaps. */
  order: number;
}

export interface Model {
  /** The OParl System the data came from; a re-import from the same system may mark objects removed. */
  system: string;
  bodies: Record<string, Body>;
  organizations: Record<string, Organization>;
  persons: Record<string, Person>;
  memberships: Record<string, Membership>;
  meetings: Record<string, Meeting>;
  agendaItems: Record<string, AgendaItem>;
  /** Ids the source marked `deleted: true`. */
  deleted: string[];
}

export const KINDS = ['bodies', 'organizations', 'persons', 'memberships', 'meetings', 'agendaItems'] as const;
export type Kind = (typeof KINDS)[number];

export const emptyModel = (system: string): Model => ({
  system,
  bodies: {},
  organizations: {},
  persons: {},
  memberships: {},
  meetings: {},
  agendaItems: {},
  deleted: [],
});

export const isFaction = (o: Organization): boolean => /fraktion/i.test(`${o.classification ?? ''} ${o.organizationType ?? ''}`);
export const isCommittee = (o: Organization): boolean => /ausschuss/i.test(`${o.classification ?? ''} ${o.organizationType ?? ''}`);

export function personName(p: { name?: string; title?: string[]; givenName?: string; familyName?: string }): string | undefined {
  if (p.name) return p.name;
  const parts = [...(p.title ?? []), p.givenName, p.familyName].filter((s): s is string => !!s);
  return parts.length ? parts.join(' ') : undefined;
}

/**
 * Renumbers one meeting's agenda items 0..n-1 by their given order (items without one keep their
 * position in the source). Returns whether the given orders were not already 0..n-1.
 */
export function normaliseOrder(items: { order?: number; pos: number }[]): { ordered: number[]; changed: boolean } {
  const idx = items.map((_, i) => i);
  idx.sort((a, b) => (items[a]!.order ?? Infinity) - (items[b]!.order ?? Infinity) || items[a]!.pos - items[b]!.pos);
  const ordered = new Array<number>(items.length);
  idx.forEach((i, rank) => (ordered[i] = rank));
  return { ordered, changed: items.some((it, i) => it.order !== ordered[i]) };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

const berlin = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function berlinOffsetMs(utcMs: number): number {
  const p = Object.fromEntries(berlin.formatToParts(new Date(utcMs)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A date-time as ISO 8601 in UTC. OParl asks for an offset; times without one are read as local time
 * in NRW (Europe/Berlin), since that is what council information systems mean.
 */
export function toIsoDateTime(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (ZONED.test(t)) {
    const d = new Date(t.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  const m = LOCAL.exec(t) ?? DATE.exec(t);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1).map((x) => Number(x ?? 0));
  const wall = Date.UTC(y!, mo! - 1, d!, h ?? 0, mi ?? 0, sec ?? 0);
  if (Number.isNaN(wall)) return undefined;
  const utc = wall - berlinOffsetMs(wall - berlinOffsetMs(wall));
  return new Date(utc).toISOString();
}

/** A calendar date as YYYY-MM-DD (a date-time is cut to its date). */
export function toIsoDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(s.trim());
  return m && !Number.isNaN(Date.parse(m[1]!)) ? m[1] : undefined;
}
