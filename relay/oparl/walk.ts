/**
 * Walks an OParl 1.0/1.1 system (System -> bodies -> organizations, persons, memberships, meetings,
 * agenda items) from an endpoint or a folder (see source.ts) into the normalised model. Real endpoints
 * are sloppy: whatever can be tolerated is, and reported as a warning with the URL concerned.
 * `complete: false` means data may be missing (a limit, a failed page): such a walk must not be used
 * to mark objects removed.
 */
import { stat } from 'node:fs/promises';
import * as v from 'valibot';
import { type AgendaItem, emptyModel, type Model, normaliseOrder, personName, toIsoDate, toIsoDateTime } from './model.js';
import { clean, isRec, issues, type OType, type Rec, SCHEMAS } from './schema.js';
import { DEFAULT_LIMITS, type Fetched, folderSource, httpSource, type Limits, type Source } from './source.js';

export type WarningCode =
  | 'single-object-list'
  | 'list-404'
  | 'bare-array'
  | 'deleted'
  | 'blank-value'
  | 'control-chars'
  | 'array-as-object'
  | 'agenda-order'
  | 'id-mismatch'
  | 'cyclic-next'
  | 'missing-link'
  | 'membership-skipped'
  | 'missing-type'
  | 'wrong-type'
  | 'invalid'
  | 'fetch-failed'
  | 'limit';

export interface WalkWarning {
  code: WarningCode;
  url: string;
  message: string;
}

export interface WalkResult {
  model: Model;
  warnings: WalkWarning[];
  complete: boolean;
  stats: { requests: number; pages: number; objects: number };
}

export interface WalkOptions {
  limits?: Partial<Limits>;
  fetch?: typeof fetch;
}

class LimitReached extends Error {}

type Parsed<T extends OType> = v.InferOutput<(typeof SCHEMAS)[T]>;

const typeOf = (x: Rec): string | undefined => (typeof x.type === 'string' ? x.type.split('/').pop() : undefined);

export async function walk(source: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const warnings: WalkWarning[] = [];
  let src: Source;
  let entry: string;
  if (/^https?:\/\//i.test(source)) {
    src = httpSource(limits, opts.fetch);
    entry = source;
  } else {
    if (!(await stat(source).catch(() => undefined))?.isDirectory()) throw new Error(`OParl source ${source} is neither an http(s) URL nor a folder`);
    const folder = await folderSource(source, limits, (url, message) => warnings.push({ code: 'fetch-failed', url, message }));
    if (!folder.entry) throw new Error(`OParl folder ${source} holds no System (or Body) object`);
    src = folder;
    entry = folder.entry;
  }
  return new Walker(src, limits, warnings).run(entry);
}

interface PendingItem extends Omit<AgendaItem, 'order'> {
  given?: number;
  pos: number;
}

class Walker {
  private model = emptyModel('');
  private complete = true;
  private pages = 0;
  private objects = 0;
  private aliases = new Map<string, string>();
  private fetched = new Map<string, Rec | null>();
  private deleted = new Set<string>();
  private items = new Map<string, PendingItem>();
  /** Body each reference was first seen under, for linked organizations that name none. */
  private refBody = new Map<string, string>();
  private body = '';

  constructor(
    private src: Source,
    private limits: Limits,
    private warnings: WalkWarning[],
  ) {}

  private warn(code: WarningCode, url: string, message: string) {
    this.warnings.push({ code, url, message });
  }

  async run(entryUrl: string): Promise<WalkResult> {
    const got = await this.src.get(entryUrl);
    if (!got.ok) throw new Error(`cannot read the OParl entry ${entryUrl}: ${got.missing ? 'not found' : got.error}`);
    this.noteRepair(entryUrl, got);
    const root = isRec(got.json) ? got.json : undefined;
    try {
      if (root && typeOf(root) === 'Body') {
        this.model.system = typeof root.system === 'string' ? root.system : entryUrl;
        await this.addBody(root, entryUrl);
      } else {
        const sys = root && this.parse('System', this.accept(root, 'System', entryUrl));
        if (!sys) throw new Error(`the OParl entry ${entryUrl} is not a System object`);
        this.model.system = sys.id;
        for await (const b of this.list(sys.body, 'Body')) await this.addBody(b, sys.body);
      }
      await this.resolveLinks();
    } catch (e) {
      if (!(e instanceof LimitReached)) throw e;
      this.complete = false;
      this.warn('limit', entryUrl, `${e.message}; import stopped`);
    }
    this.finishAgenda();
    this.model.deleted = [...this.deleted];
    return { model: this.model, warnings: this.warnings, complete: this.complete, stats: { requests: this.src.requests, pages: this.pages, objects: this.objects } };
  }

  private noteRepair(url: string, f: Fetched) {
    if (f.ok && f.repaired) this.warn('control-chars', url, `${f.repaired} raw control character(s) inside JSON strings escaped`);
  }

  private resolve = (ref: string): string => this.aliases.get(ref) ?? ref;

  /** Checks what every object gets: deleted, id, type, object count; returns a cleaned copy. */
  private accept(raw: unknown, type: OType, where: string): Rec | undefined {
    if (!isRec(raw)) {
      this.warn('invalid', where, `expected a ${type} object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
      return undefined;
    }
    const id = typeof raw.id === 'string' && raw.id.trim() ? raw.id.trim() : undefined;
    if (raw.deleted === true) {
      if (id) this.deleted.add(id);
      this.warn('deleted', id ?? where, `deleted ${typeOf(raw) ?? type} skipped`);
      return undefined;
    }
    if (!id) {
      this.warn('invalid', where, `${type} without id skipped`);
      return undefined;
    }
    if (++this.objects > this.limits.maxObjects) throw new LimitReached(`more than ${this.limits.maxObjects} objects`);
    const t = typeOf(raw);
    if (!t) this.warn('missing-type', id, `no type; taken as ${type}`);
    else if (t !== type) {
      this.warn('wrong-type', id, `expected ${type}, got ${String(raw.type)}; skipped`);
      return undefined;
    }
    const { value, blanks, wrapped } = clean(raw, type);
    if (blanks.length) this.warn('blank-value', id, `blank or "N/A" taken as missing: ${blanks.join(', ')}`);
    if (wrapped.length) this.warn('array-as-object', id, `one value where an array belongs: ${wrapped.join(', ')}`);
    return value;
  }

  private parse<T extends OType>(type: T, obj: Rec | undefined): Parsed<T> | undefined {
    if (!obj) return undefined;
    const r = v.safeParse(SCHEMAS[type], obj);
    if (r.success) return r.output as Parsed<T>;
    this.warn('invalid', String(obj.id), `${type} skipped: ${issues(r)}`);
    return undefined;
  }

  /** One object by URL, cached; records an alias when its id is not the URL. */
  private async fetchObject(url: string, type: OType): Promise<{ obj?: Rec; missing?: boolean }> {
    if (this.fetched.has(url)) return { obj: this.fetched.get(url) ?? undefined, missing: this.fetched.get(url) === null };
    const got = await this.src.get(url);
    this.noteRepair(url, got);
    if (!got.ok) {
      if (!got.missing) this.warn('fetch-failed', url, got.error);
      this.fetched.set(url, null);
      return { missing: got.missing };
    }
    const obj = this.accept(got.json, type, url);
    if (obj && obj.id !== url) {
      this.warn('id-mismatch', url, `fetched object has id ${String(obj.id)}; kept under that id`);
      this.aliases.set(url, obj.id as string);
    }
    this.fetched.set(url, obj ?? null);
    return { obj };
  }

  /** An entry of a list or an embedded array: the object itself, or (sloppy 1.0 style) its URL. */
  private async entry(raw: unknown, type: OType, where: string): Promise<Rec | undefined> {
    if (typeof raw !== 'string') return this.accept(raw, type, where);
    const { obj, missing } = await this.fetchObject(raw, type);
    if (missing) this.warn('missing-link', raw, `${type} listed in ${where} is missing (404)`);
    return obj;
  }

  /** The objects of a list, page by page along links.next. */
  private async *list(url: string, type: OType): AsyncGenerator<Rec> {
    const visited = new Set<string>();
    let next: string | undefined = url;
    while (next) {
      const page: string = next;
      next = undefined;
      if (visited.has(page)) {
        this.warn('cyclic-next', page, `links.next leads back to a page already read; list ${url} ends here`);
        break;
      }
      visited.add(page);
      if (++this.pages > this.limits.maxPages) throw new LimitReached(`more than ${this.limits.maxPages} list pages`);
      const got = await this.src.get(page);
      this.noteRepair(page, got);
      if (!got.ok) {
        if (got.missing && page === url) this.warn('list-404', page, `${type} list answered 404; taken as empty`);
        else {
          this.complete = false;
          this.warn('fetch-failed', page, got.missing ? 'list page not found (404)' : got.error);
        }
        break;
      }
      const body = got.json;
      let data: unknown[];
      if (Array.isArray(body)) {
        this.warn('bare-array', page, body.length ? `bare array of ${body.length} instead of a list page` : 'empty list answered with a bare []');
        data = body;
      } else if (isRec(body) && 'data' in body) {
        data = Array.isArray(body.data) ? body.data : body.data == null ? [] : [body.data];
        if (!Array.isArray(body.data) && body.data != null) this.warn('array-as-object', page, 'list page data is one object, not an array');
        const n = isRec(body.links) ? body.links.next : undefined;
        if (typeof n === 'string' && n.trim() && n.trim().toUpperCase() !== 'N/A') {
          try {
            next = new URL(n.trim(), page).href;
          } catch {
            this.complete = false;
            this.warn('fetch-failed', page, `links.next is no URL: ${n}`);
          }
        }
      } else if (isRec(body) && (typeof body.id === 'string' || typeof body.type === 'string')) {
        this.warn('single-object-list', page, `a single ${typeOf(body) ?? 'object'} where a ${type} list page belongs`);
        data = [body];
      } else {
        this.complete = false;
        this.warn('invalid', page, `not a ${type} list page`);
        break;
      }
      for (const d of data) {
        const obj = await this.entry(d, type, page);
        if (obj) yield obj;
      }
    }
  }

  private async addBody(raw: Rec, where: string) {
    const b = this.parse('Body', this.accept(raw, 'Body', where));
    if (!b) return;
    const name = b.name ?? b.shortName;
    if (!name) return this.warn('invalid', b.id, 'Body without name skipped');
    this.model.bodies[b.id] = { id: b.id, name, ...(b.shortName && { shortName: b.shortName }) };
    this.body = b.id;
    if (b.organization) for await (const o of this.list(b.organization, 'Organization')) this.addOrganization(o);
    if (b.person) for await (const p of this.list(b.person, 'Person')) await this.addPerson(p);
    if (b.membership) for await (const m of this.list(b.membership, 'Membership')) this.addMembership(m);
    if (b.meeting) for await (const m of this.list(b.meeting, 'Meeting')) await this.addMeeting(m);
    if (b.agendaItem) for await (const a of this.list(b.agendaItem, 'AgendaItem')) this.addAgendaItem(a);
  }

  private addOrganization(raw: Rec, body = this.body) {
    const o = this.parse('Organization', raw);
    if (!o || this.model.organizations[o.id]) return;
    const name = o.name ?? o.shortName;
    if (!name) return this.warn('invalid', o.id, 'Organization without name skipped');
    this.model.organizations[o.id] = {
      id: o.id,
      body: o.body ?? body,
      name,
      ...(o.classification && { classification: o.classification }),
      ...(o.organizationType && { organizationType: o.organizationType }),
    };
  }

  /**
   * A person is one object per OParl id however often it is listed (in several bodies, twice across pages):
   * the first listing names them, every listing adds its memberships.
   */
  private async addPerson(raw: Rec) {
    const p = this.parse('Person', raw);
    if (!p) return;
    if (!this.model.persons[p.id]) {
      const name = personName(p);
      if (!name) return this.warn('invalid', p.id, 'Person without name skipped');
      const email = p.email?.find((e) => e.trim());
      this.model.persons[p.id] = { id: p.id, name, ...(email && { email: email.trim() }) };
    }
    for (const m of p.membership ?? []) {
      const obj = await this.entry(m, 'Membership', p.id);
      if (obj) this.addMembership(obj, p.id);
    }
  }

  private addMembership(raw: Rec, person?: string) {
    const m = this.parse('Membership', raw);
    if (!m || this.model.memberships[m.id]) return;
    const p = m.person ?? person;
    if (!p || !m.organization) return this.warn('invalid', m.id, `Membership without ${p ? 'organization' : 'person'} skipped`);
    const start = toIsoDate(m.startDate);
    const end = toIsoDate(m.endDate);
    if (m.startDate && !start) this.warn('invalid', m.id, `startDate ${m.startDate} is no date; ignored`);
    if (m.endDate && !end) this.warn('invalid', m.id, `endDate ${m.endDate} is no date; ignored`);
    this.refBody.set(m.organization, this.refBody.get(m.organization) ?? this.body);
    this.model.memberships[m.id] = {
      id: m.id,
      person: p,
      organization: m.organization,
      ...(m.role && { role: m.role }),
      votingRight: m.votingRight ?? true,
      ...(start && { start }),
      ...(end && { end }),
    };
  }

  private async addMeeting(raw: Rec) {
    const m = this.parse('Meeting', raw);
    if (!m || this.model.meetings[m.id]) return;
    const start = toIsoDateTime(m.start);
    if (!start) return this.warn('invalid', m.id, `Meeting without a valid start (${m.start ?? 'none'}) skipped`);
    const end = toIsoDateTime(m.end);
    if (m.end && !end) this.warn('invalid', m.id, `end ${m.end} is no date-time; ignored`);
    const loc = m.location;
    const location =
      typeof loc === 'string' ? (/^https?:/i.test(loc) ? undefined : loc) : loc && (loc.description ?? ([loc.streetAddress, loc.room, [loc.postalCode, loc.locality].filter(Boolean).join(' ')].filter(Boolean).join(', ') || undefined));
    for (const o of m.organization ?? []) this.refBody.set(o, this.refBody.get(o) ?? this.body);
    this.model.meetings[m.id] = {
      id: m.id,
      body: this.body,
      organizations: m.organization ?? [],
      name: m.name ?? '',
      start,
      ...(end && { end }),
      ...(location && { location }),
      ...(m.cancelled !== undefined && { cancelled: m.cancelled }),
    };
    for (const a of m.agendaItem ?? []) {
      const obj = await this.entry(a, 'AgendaItem', m.id);
      if (obj) this.addAgendaItem(obj, m.id);
    }
  }

  private addAgendaItem(raw: Rec, meeting?: string) {
    const a = this.parse('AgendaItem', raw);
    if (!a || this.items.has(a.id)) return;
    const mt = meeting ?? a.meeting;
    if (!mt) return this.warn('invalid', a.id, 'AgendaItem without meeting skipped');
    const number = a.number ?? '';
    this.items.set(a.id, { id: a.id, meeting: mt, number, name: a.name ?? (number || '(untitled)'), public: a.public ?? true, given: a.order, pos: this.items.size });
  }

  /** Fetches organizations and persons that are linked but were in no list; drops links to missing ones. */
  private async resolveLinks() {
    const orgs = this.model.organizations;
    const persons = this.model.persons;
    const want = async (ref: string, type: 'Organization' | 'Person', from: string): Promise<string | undefined> => {
      const id = this.resolve(ref);
      if ((type === 'Organization' ? orgs : persons)[id]) return id;
      const known = this.fetched.has(ref);
      const { obj, missing } = await this.fetchObject(ref, type);
      if (obj && type === 'Organization') this.addOrganization(obj, this.refBody.get(ref) ?? this.body);
      if (obj && type === 'Person') await this.addPerson(obj);
      const got = this.resolve(ref);
      if ((type === 'Organization' ? orgs : persons)[got]) return got;
      if (!known) this.warn('missing-link', ref, `${type} linked from ${from} is ${missing ? 'missing (404)' : 'unusable'}`);
      return undefined;
    };
    for (const m of Object.values(this.model.meetings)) {
      const ok: string[] = [];
      for (const o of m.organizations) {
        const id = await want(o, 'Organization', m.id);
        if (id) ok.push(id);
      }
      m.organizations = ok;
      if (!m.name) m.name = ok.map((o) => orgs[o]!.name).join(', ') || 'Meeting';
    }
    for (const m of Object.values(this.model.memberships)) {
      const person = await want(m.person, 'Person', m.id);
      const org = await want(m.organization, 'Organization', m.id);
      if (person && org) Object.assign(m, { person, organization: org });
      else {
        delete this.model.memberships[m.id];
        this.warn('membership-skipped', m.id, `points to missing ${person ? 'Organization ' + m.organization : 'Person ' + m.person}; skipped`);
      }
    }
  }

  /** Attaches agenda items to their meetings with order 0..n-1 per meeting. */
  private finishAgenda() {
    const byMeeting = new Map<string, PendingItem[]>();
    for (const it of this.items.values()) {
      const meeting = this.resolve(it.meeting);
      if (!this.model.meetings[meeting]) {
        this.warn('invalid', it.id, `AgendaItem of unknown meeting ${it.meeting} skipped`);
        continue;
      }
      let list = byMeeting.get(meeting);
      if (!list) byMeeting.set(meeting, (list = []));
      list.push({ ...it, meeting });
    }
    for (const [meeting, list] of byMeeting) {
      const { ordered, changed } = normaliseOrder(list.map((it) => ({ order: it.given, pos: it.pos })));
      if (changed && list.some((it) => it.given !== undefined))
        this.warn('agenda-order', meeting, `agenda order ${list.map((it) => it.given ?? '-').join(',')} renumbered from 0`);
      list.forEach(({ given: _g, pos: _p, ...it }, i) => (this.model.agendaItems[it.id] = { ...it, order: ordered[i]! }));
    }
  }
}
