/**
 * MIN-2: the minutes draft (Y.Map('minutes') of Y.Text in the members document) and the signatures of the
 * minutes (`minutes.sign`), folded from hand-signed envelopes. The texts are read back by applying the
 * updates the fold did not reject to a fresh Yjs document here, not through the rule that enforces them.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../crypto/envelope.js';
import { fold } from '../../core/fold.js';
import { Replica } from '../../core/replica.js';
import { signedLog } from '../../core/rules/minutes.js';
import { DraftDoc } from '../../web/views/minutes/draft.js';
import { draftTexts, minutesHash, minutesOf } from '../../core/minutes.js';
import { draftKey } from '../../core/minutes/draft.js';
import type { SessionState } from '../../core/state.js';
import { council, MEETING, MEMBERS, Story, TENANT, topoSort } from '../helpers/envelopes.js';

const WITH_MINUTE_TAKER = [...MEMBERS, { person: 'protokoll', name: 'Łukasz Çelik', roles: ['minutes' as const], faction: null, voting: false }];

/** A story with per-author Yjs documents that hold what the fold applied so far (as a device's editor does). */
class Draft {
  readonly clients: Record<string, number> = {};
  constructor(readonly s: Story) {}

  state(): SessionState {
    return fold(topoSort(this.s.all), this.s.c.directory);
  }

  /** The members document as an author sees it: every `y` update the fold applied, in fold order. */
  docOf(who: string, state = this.state()): Y.Doc {
    const doc = new Y.Doc();
    const rejected = new Set(state.rejected.map((r) => r.entry));
    for (const e of topoSort(this.s.all)) if (e.kind === 'y' && e.doc === 'members' && !rejected.has(e.id)) Y.applyUpdate(doc, e.payload);
    doc.clientID = this.clients[who] ??= 1000 + Object.keys(this.clients).length; // set after loading, as a device that reopens its draft
    return doc;
  }

  /** `who` changes its document and signs the change as a `y` entry. */
  async edit(who: string, change: (doc: Y.Doc) => void, opts: { doc?: 'public' | 'members'; deps?: Envelope[] } = {}): Promise<Envelope> {
    const doc = this.docOf(who);
    const before = Y.encodeStateVector(doc);
    change(doc);
    return this.s.raw(who, 'y', Y.encodeStateAsUpdate(doc, before), { doc: opts.doc ?? 'members', deps: opts.deps });
  }

  /** The draft's texts as an independent reader finds them: the applied updates in a fresh document. */
  texts(state = this.state()): Record<string, string> {
    const out: Record<string, string> = {};
    this.docOf('reader', state).getMap('minutes').forEach((v, k) => (out[k] = String(v)));
    return out;
  }
}

const reasons = (st: SessionState, ids: Envelope[]) => ids.map((e) => st.rejected.find((r) => r.entry === e.id)?.reason ?? 'applied');

const write = (key: string, text: string) => (doc: Y.Doc) => {
  const m = doc.getMap<Y.Text>('minutes');
  if (!m.has(key)) m.set(key, new Y.Text());
  m.get(key)!.insert(m.get(key)!.length, text);
};

async function meeting() {
  const s = new Story(await council(WITH_MINUTE_TAKER));
  await s.opened();
  return new Draft(s);
}

describe('the minutes draft', () => {
  it('MIN-2 only chair and minute-taker edit the draft, another member\'s update to the minutes map is rejected', async () => {
    const d = await meeting();
    const taker = await d.edit('protokoll', write(draftKey.item('i2'), 'Die Verwaltung stellt das Radwegekonzept vor. '));
    const chair = await d.edit('chair', write(draftKey.item('i2'), 'Frau Schmitz ergänzt. '));
    const remarks = await d.edit('protokoll', write(draftKey.remarks, 'Ende 19:40 Uhr.'));
    // A member may write no shared document at all (the registry's gate) ...
    const member = await d.edit('m1', write(draftKey.item('i2'), 'Gefälscht.'));
    // ... the assistant and the admin edit the agenda, not the draft: neither inside an existing text (its
    // parent is the text, not the map), nor by deleting only (a delete set, no new content), nor a new slot.
    const clerk = await d.edit('clerk', write(draftKey.item('i2'), 'Schriftführung.'));
    const deletion = await d.edit('admin', (doc) => doc.getMap<Y.Text>('minutes').get(draftKey.item('i2'))!.delete(0, 5));
    const newSlot = await d.edit('clerk', write('item:i1', 'Neu.'));
    const admin = await d.edit('admin', (doc) => doc.getMap('minutes').delete(draftKey.remarks));
    // The minute-taker writes the draft, not the agenda; the draft lives in the members document only.
    const agenda = await d.edit('protokoll', (doc) => doc.getArray('agenda').push(['TOP 9']));
    const pub = new Y.Doc();
    pub.getMap('minutes').set(draftKey.remarks, new Y.Text('öffentlich'));
    const publicDraft = await d.s.raw('chair', 'y', Y.encodeStateAsUpdate(pub), { doc: 'public' });
    const clerkAgenda = await d.edit('clerk', (doc) => doc.getArray('agenda').push([new Y.Map()]));

    const st = d.state();
    expect(reasons(st, [taker, chair, remarks, member, clerk, deletion, newSlot, admin, agenda, publicDraft, clerkAgenda])).toEqual([
      'applied',
      'applied',
      'applied',
      'role: only chair, deputy, assistant or admin may edit the agenda',
      'role: only the chair, deputy or minute-taker may write the minutes draft',
      'role: only the chair, deputy or minute-taker may write the minutes draft',
      'role: only the chair, deputy or minute-taker may write the minutes draft',
      'role: only the chair, deputy or minute-taker may write the minutes draft',
      'role: only chair, deputy, assistant or admin may edit the agenda',
      'y: the minutes draft belongs in the members document',
      'applied',
    ]);
    expect(d.texts(st)).toEqual({
      [draftKey.item('i2')]: 'Die Verwaltung stellt das Radwegekonzept vor. Frau Schmitz ergänzt. ',
      [draftKey.remarks]: 'Ende 19:40 Uhr.',
    });
    // A member's update to the draft, replayed in a document beside the fold, would have changed the text.
    const unchecked = new Y.Doc();
    for (const e of topoSort(d.s.all)) if (e.kind === 'y' && e.doc === 'members') Y.applyUpdate(unchecked, e.payload);
    expect(unchecked.getMap('minutes').get(draftKey.item('i2'))!.toString()).not.toBe(d.texts(st)[draftKey.item('i2')]);
  });

  it('MIN-2 an update that refers to draft content the fold does not hold yet is rejected, not kept pending', async () => {
    const d = await meeting();
    const first = await d.edit('protokoll', write(draftKey.remarks, 'Anfang. '));
    // The chair writes on top of the minute-taker's text; this entry is signed but withheld ...
    const chairDoc = d.docOf('chair');
    const sv = Y.encodeStateVector(chairDoc);
    write(draftKey.remarks, 'Vom Vorsitz. ')(chairDoc);
    const withheld = Y.encodeStateAsUpdate(chairDoc, sv);
    // ... the assistant, who saw it, attaches text to it in an entry that does not depend on it and comes first:
    // kept pending, Yjs would integrate it once the chair's entry arrives, past every check.
    const memberDoc = d.docOf('clerk');
    Y.applyUpdate(memberDoc, withheld);
    const sv2 = Y.encodeStateVector(memberDoc);
    memberDoc.getMap<Y.Text>('minutes').get(draftKey.remarks)!.insert(memberDoc.getMap<Y.Text>('minutes').get(draftKey.remarks)!.length, 'Untergeschoben.');
    const member = await d.s.raw('clerk', 'y', Y.encodeStateAsUpdate(memberDoc, sv2), { doc: 'members', deps: [first] });
    const chair = await d.s.raw('chair', 'y', withheld, { doc: 'members' });
    const st = d.state();
    expect(reasons(st, [member, chair])).toEqual(['y: the update refers to content this document does not hold', 'applied']);
    expect(d.texts(st)).toEqual({ [draftKey.remarks]: 'Anfang. Vom Vorsitz. ' });
  });
});

describe('the signatures of the minutes', () => {
  it('MIN-2 after both signatures a change is rejected', async () => {
    const d = await meeting();
    await d.edit('protokoll', write(draftKey.item('i1'), 'Eröffnet um 18:00 Uhr.'));
    const early = await d.s.add('chair', 'minutes.sign', { hash: 'a'.repeat(64) }, { doc: 'members' });
    await d.s.add('chair', 'session.close', {});
    const member = await d.s.add('m1', 'minutes.sign', { hash: 'b'.repeat(64) }, { doc: 'members' });
    const inPublic = await d.s.add('chair', 'minutes.sign', { hash: 'b'.repeat(64) }, { doc: 'public' });
    const first = await d.s.add('chair', 'minutes.sign', { hash: 'b'.repeat(64) }, { doc: 'members' });
    // Signed, not final: the two hashes differ, so the minute-taker may still write and both sign again.
    const other = await d.s.add('protokoll', 'minutes.sign', { hash: 'c'.repeat(64) }, { doc: 'members' });
    const stillOpen = await d.edit('protokoll', write(draftKey.item('i1'), ' Ergänzt.'));
    expect(d.state().minutes.final).toBeNull();
    const taker = await d.s.add('protokoll', 'minutes.sign', { hash: 'd'.repeat(64) }, { doc: 'members' });
    const chair = await d.s.add('chair', 'minutes.sign', { hash: 'd'.repeat(64) }, { doc: 'members' });
    const late = await d.edit('protokoll', write(draftKey.item('i1'), ' Nachträglich.'));
    const lateChair = await d.edit('chair', (doc) => doc.getMap('minutes').delete(draftKey.item('i1')));
    const again = await d.s.add('protokoll', 'minutes.sign', { hash: 'e'.repeat(64) }, { doc: 'members' });
    const agenda = await d.edit('chair', (doc) => doc.getArray('agenda').push([new Y.Map()])); // the agenda is no part of the draft

    const st = d.state();
    expect(reasons(st, [early, member, inPublic, first, other, stillOpen, taker, chair, late, lateChair, again, agenda])).toEqual([
      'minutes.sign: the session is not closed yet',
      'role: only the chair, deputy or minute-taker may sign the minutes',
      'minutes.sign: belongs in the members document',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'y: the minutes are signed and final; the draft cannot change',
      'y: the minutes are signed and final; the draft cannot change',
      'minutes.sign: the minutes are signed and final already',
      'applied',
    ]);
    expect(st.minutes.signatures.map((x) => [x.person, x.role, x.hash[0]])).toEqual([
      ['chair', 'chair', 'b'],
      ['protokoll', 'minutes', 'c'],
      ['protokoll', 'minutes', 'd'],
      ['chair', 'chair', 'd'],
    ]);
    expect(st.minutes.final).toEqual({ hash: 'd'.repeat(64), at: chair.hlc.wall, entry: chair.id });
    expect(d.texts(st)).toEqual({ [draftKey.item('i1')]: 'Eröffnet um 18:00 Uhr. Ergänzt.' });
  });

  it('MIN-2 the signatures name the hash of the minutes data', async () => {
    const d = await meeting();
    await d.edit('protokoll', write(draftKey.item('i2'), 'Aussprache über den Radweg; Herr Çelik (Łódź) berichtet.'));
    await d.s.add('chair', 'session.close', {});
    const personOf = (device: string) => Object.values(d.s.c.devices).find((x) => x.hex === device)?.person;
    // What each signer's device computes before it signs: the minutes of its folded state and the draft's texts.
    const hashNow = () => {
      const st = d.state();
      return minutesHash(minutesOf(st, { log: topoSort(d.s.all), personOf, texts: d.texts(st) }));
    };
    const h = hashNow();
    const taker = await d.s.add('protokoll', 'minutes.sign', { hash: h }, { doc: 'members' });
    expect(hashNow()).toBe(h); // a signature is no part of what is signed: the chair computes the same hash
    const chair = await d.s.add('chair', 'minutes.sign', { hash: hashNow() }, { doc: 'members' });
    const st = d.state();
    expect(st.minutes.signatures.map((x) => [x.entry, x.hash])).toEqual([
      [taker.id, h],
      [chair.id, h],
    ]);
    expect(st.minutes.final?.hash).toBe(h);
    const m = minutesOf(st, { log: topoSort(d.s.all), personOf, texts: d.texts(st) });
    expect(minutesHash(m)).toBe(h);
    expect(JSON.stringify(m)).toContain('Herr Çelik (Łódź) berichtet.');
    // Another text gives other minutes data, so a signature of the old hash would not match it.
    expect(minutesHash(minutesOf(st, { log: topoSort(d.s.all), personOf, texts: { ...d.texts(st), [draftKey.item('i2')]: 'anders' } }))).not.toBe(h);
    // A late edit is rejected, yet it is part of the log: the minutes as signed are those of the log up to the
    // signature that made them final, folded as it stood then.
    await d.edit('protokoll', write(draftKey.item('i2'), ' Zu spät.'));
    const after = d.state();
    expect(after.rejected.at(-1)?.reason).toBe('y: the minutes are signed and final; the draft cannot change');
    const whole = topoSort(d.s.all);
    expect(minutesHash(minutesOf(after, { log: whole, personOf, texts: d.texts(after) }))).not.toBe(h);
    const cut = signedLog(whole, after.minutes.final);
    expect(cut.at(-1)?.id).toBe(chair.id);
    const then = fold(cut, d.s.c.directory);
    expect(minutesHash(minutesOf(then, { log: cut, personOf, texts: draftTexts(cut, then) }))).toBe(h);
  });
});

describe('the draft on two devices', () => {
  it('MIN-2 chair and minute-taker who both start the same text part offline keep both texts on every device', async () => {
    const d = await meeting();
    const device = async (who: string) => {
      const r = new Replica({ tenant: TENANT, meeting: MEETING, tenantKey: d.s.c.tenantKey, docs: ['public', 'members'], signer: d.s.c.devices[who]!.signer, now: () => d.s.now });
      await r.addCerts(Object.values(d.s.c.devices).flatMap((x) => (x.cert ? [x.cert] : [])));
      await r.receive(d.s.all.map((e) => e.wire));
      const draft = new DraftDoc(r);
      draft.sync(r.state);
      return { r, draft };
    };
    const [taker, chair] = [await device('protokoll'), await device('chair')];
    const key = draftKey.item('i2');
    // Offline, each creates the text part (its own Y.Text in the map) and writes.
    taker.draft.set(key, 'Bericht der Verwaltung.');
    chair.draft.set(key, 'Hinweis der Vorsitzenden.');
    await taker.draft.flush();
    await chair.draft.flush();
    const exchange = async () => {
      await chair.r.receive(taker.r.envelopes().map((e) => e.wire));
      await taker.r.receive(chair.r.envelopes().map((e) => e.wire));
      for (const x of [taker, chair]) x.draft.sync(x.r.state);
      for (const x of [taker, chair]) await x.draft.flush();
    };
    await exchange(); // back online: the map keeps one of the two texts; the other device writes its own again
    await exchange();
    const [a, b] = [taker.draft.text(key), chair.draft.text(key)];
    expect(a).toBe(b);
    expect(a).toContain('Bericht der Verwaltung.');
    expect(a).toContain('Hinweis der Vorsitzenden.');
    // What the fold gives every device (and a verifier) is that text too.
    expect(taker.r.state.rejected.filter((x) => x.kind === 'y')).toEqual([]);
    expect(fold(taker.r.log.ordered(), taker.r.directory).rejected).toEqual(taker.r.state.rejected);
    const reader = new Y.Doc();
    for (const e of taker.r.log.ordered()) if (e.kind === 'y' && e.doc === 'members') Y.applyUpdate(reader, e.payload);
    expect(reader.getMap('minutes').get(key)!.toString()).toBe(a);
    for (const x of [taker, chair]) x.draft.stop();
  });
});
