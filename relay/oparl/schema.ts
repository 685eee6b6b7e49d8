/**
 * Valibot schemas for the OParl 1.0/1.1 fields Ratsraum uses (unknown fields are dropped), and the
 * cleaning every object gets before validation: blank and "N/A" strings count as missing, and a single
 * value where OParl has an array is wrapped.
 */
import * as v from 'valibot';

const Str = v.pipe(v.string(), v.trim(), v.minLength(1));
const OptStr = v.optional(Str);

export const SystemSchema = v.object({ id: Str, body: Str });

export const BodySchema = v.object({
  id: Str,
  name: OptStr,
  shortName: OptStr,
  organization: OptStr,
  person: OptStr,
  membership: OptStr,
  meeting: OptStr,
  agendaItem: OptStr,
});

export const OrganizationSchema = v.object({
  id: Str,
  body: OptStr,
  name: OptStr,
  shortName: OptStr,
  classification: OptStr,
  organizationType: OptStr,
});

export const PersonSchema = v.object({
  id: Str,
  name: OptStr,
  givenName: OptStr,
  familyName: OptStr,
  title: v.optional(v.array(v.string())),
  email: v.optional(v.array(v.string())),
  membership: v.optional(v.array(v.unknown())),
});

export const MembershipSchema = v.object({
  id: Str,
  person: OptStr,
  organization: OptStr,
  role: OptStr,
  votingRight: v.optional(v.boolean()),
  startDate: OptStr,
  endDate: OptStr,
});

const LocationSchema = v.object({ description: OptStr, streetAddress: OptStr, room: OptStr, postalCode: OptStr, locality: OptStr });

export const MeetingSchema = v.object({
  id: Str,
  name: OptStr,
  start: OptStr,
  end: OptStr,
  cancelled: v.optional(v.boolean()),
  location: v.optional(v.union([v.string(), LocationSchema])),
  organization: v.optional(v.array(v.string())),
  agendaItem: v.optional(v.array(v.unknown())),
});

export const AgendaItemSchema = v.object({
  id: Str,
  meeting: OptStr,
  number: v.optional(v.union([Str, v.pipe(v.number(), v.transform(String))])),
  order: v.optional(v.pipe(v.number(), v.integer())),
  name: OptStr,
  public: v.optional(v.boolean()),
});

export type OType = 'System' | 'Body' | 'Organization' | 'Person' | 'Membership' | 'Meeting' | 'AgendaItem';

export const SCHEMAS = {
  System: SystemSchema,
  Body: BodySchema,
  Organization: OrganizationSchema,
  Person: PersonSchema,
  Membership: MembershipSchema,
  Meeting: MeetingSchema,
  AgendaItem: AgendaItemSchema,
} as const;

/** Fields OParl defines as arrays; endpoints sometimes send one value instead. */
export const ARRAY_FIELDS: Record<OType, readonly string[]> = {
  System: [],
  Body: [],
  Organization: [],
  Person: ['title', 'email', 'membership'],
  Membership: [],
  Meeting: ['organization', 'agendaItem'],
  AgendaItem: [],
};

export type Rec = Record<string, unknown>;
export const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);

const missing = (s: string) => {
  const t = s.trim();
  return t === '' || t.toUpperCase() === 'N/A';
};

function strip(x: unknown, path: string, blanks: string[]): unknown {
  if (typeof x === 'string') {
    if (!missing(x)) return x;
    blanks.push(path);
    return undefined;
  }
  if (Array.isArray(x)) return x.map((e, i) => strip(e, `${path}[${i}]`, blanks)).filter((e) => e !== undefined);
  if (isRec(x)) {
    const out: Rec = {};
    for (const [k, val] of Object.entries(x)) {
      const c = strip(val, path ? `${path}.${k}` : k, blanks);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return x;
}

/** A cleaned copy of `obj` (never mutates it: sources may hand out one parsed object twice). */
export function clean(obj: Rec, type: OType): { value: Rec; blanks: string[]; wrapped: string[] } {
  const blanks: string[] = [];
  const value = strip(obj, '', blanks) as Rec;
  const wrapped: string[] = [];
  for (const f of ARRAY_FIELDS[type])
    if (value[f] !== undefined && !Array.isArray(value[f])) {
      value[f] = [value[f]];
      wrapped.push(f);
    }
  return { value, blanks, wrapped };
}

export function issues(r: { issues?: readonly v.BaseIssue<unknown>[] }): string {
  return (r.issues ?? []).map((i) => `${v.getDotPath(i) ?? '(object)'}: ${i.message}`).join('; ');
}
