/**
 * The "Störungen" section (DigiSiVO § 10): each disruption with its report (who, how, when), the fix attempts,
 * its classification with reason and time, the votes it impaired and their repeats; and the drops of picture
 * or sound with what became of them. Its words live here (German first), beside the section they belong to.
 */
import type { Json } from '../../crypto/canonical.js';
import type { Block } from '../minutes.js';
import type { Vote } from '../state.js';
import type { Lang } from './labels.js';
import { nameOf, type SectionSpec } from './section.js';
import { at, period } from './time.js';

const de = {
  title: 'Störungen',
  disruption: (id: string) => `Störung ${id}`,
  member: 'Betroffenes Mitglied',
  media: 'Gestört',
  medias: { picture: 'Bild', sound: 'Ton', both: 'Bild und Ton' } as Record<string, string>,
  reported: 'Gerügt',
  reportedBy: (time: string, channel: string, by: string) => `${time} ${channel}, erfasst durch ${by}`,
  channels: { app: 'in der App', phone: 'per Telefon (zweiter Meldeweg)', email: 'per E-Mail (zweiter Meldeweg)', other: 'auf anderem Weg' } as Record<string, string>,
  note: 'Angaben',
  fixes: 'Behebungsversuche',
  classification: 'Einstufung',
  outcomes: { open: 'noch offen: Sitzung unterbrochen', fixed: 'behoben', irrelevant: 'unbeachtlich', own: 'im Verantwortungsbereich des Mitglieds' } as Record<string, string>,
  presumed: 'vermutet: im Verantwortungsbereich des Mitglieds (Behebung misslungen, übrige Mitglieder störungsfrei)',
  resolved: (outcome: string, time: string, by: string, reason: string) => `${outcome}, ${time} durch ${by}: ${reason}`,
  interrupted: 'Unterbrechung',
  votes: 'Beeinträchtigte Abstimmungen',
  repeated: (vote: string, by: string) => `${vote} ungültig, wiederholt als ${by}`,
  notRepeated: (vote: string) => `${vote} (nicht wiederholt)`,
  drops: 'Ausfälle von Bild oder Ton',
  time: 'Zeit',
  dropStatus: 'Bewertung',
  dropStatuses: { unreported: 'noch nicht gerügt', reported: 'gerügt' } as Record<string, string>,
  dropReasons: { 'no-report-in-time': 'unbeachtlich: nicht rechtzeitig gerügt', participated: 'unbeachtlich: ohne Rüge weiter mitgewirkt' } as Record<string, string>,
  voidField: 'Gültigkeit',
  voidText: (by: string) => `ungültig wegen Störung, wiederholt als ${by}`,
  repeatsField: 'Wiederholung von',
};
type DisruptionLabels = typeof de;

const en: DisruptionLabels = {
  title: 'Disruptions',
  disruption: (id) => `Disruption ${id}`,
  member: 'Member affected',
  media: 'Disrupted',
  medias: { picture: 'picture', sound: 'sound', both: 'picture and sound' },
  reported: 'Objected',
  reportedBy: (time, channel, by) => `${time} ${channel}, recorded by ${by}`,
  channels: { app: 'in the app', phone: 'by telephone (second channel)', email: 'by e-mail (second channel)', other: 'by other means' },
  note: 'Details',
  fixes: 'Attempts to fix',
  classification: 'Classification',
  outcomes: { open: 'still open: session interrupted', fixed: 'fixed', irrelevant: 'irrelevant', own: "the member's own responsibility" },
  presumed: "presumed: the member's own responsibility (fix failed, all other members undisturbed)",
  resolved: (outcome, time, by, reason) => `${outcome}, ${time} by ${by}: ${reason}`,
  interrupted: 'Interruption',
  votes: 'Votes impaired',
  repeated: (vote, by) => `${vote} void, repeated as ${by}`,
  notRepeated: (vote) => `${vote} (not repeated)`,
  drops: 'Drops of picture or sound',
  time: 'Time',
  dropStatus: 'Assessment',
  dropStatuses: { unreported: 'not objected to yet', reported: 'objected to' },
  dropReasons: { 'no-report-in-time': 'irrelevant: not objected to in time', participated: 'irrelevant: took part again without objecting' },
  voidField: 'Validity',
  voidText: (by) => `void because of a disruption, repeated as ${by}`,
  repeatsField: 'Repeats',
};

export const disruptionLabels = (lang: Lang): DisruptionLabels => (lang === 'de' ? de : en);

/** The rows a vote's block adds: void (and by which vote repeated), or which vote it repeats. */
export function voteValidity(v: Vote, lang: Lang): [string, string][] {
  const D = disruptionLabels(lang);
  return [...(v.void ? [[D.voidField, D.voidText(v.void.by)] as [string, string]] : []), ...(v.repeats ? [[D.repeatsField, v.repeats] as [string, string]] : [])];
}

export const disruptions: SectionSpec = {
  id: 'disruptions',
  title: (L) => L.disruptions.title,
  kinds: ['disruption.rules', 'disruption.report', 'disruption.fix', 'disruption.resolve', 'quality.report'],
  from(s, _log, { lang }) {
    const D = disruptionLabels(lang);
    const { disruptions: list, drops, rules } = s.disruption;
    if (list.length === 0 && drops.length === 0) return null;
    const day = s.meeting?.start ?? null;
    const blocks: Block[] = [];
    for (const d of list) {
      const rows: [string, string][] = [
        [D.member, nameOf(s, d.person)],
        [D.media, D.medias[d.media]!],
        [D.reported, D.reportedBy(at(d.at, day, lang), D.channels[d.channel]!, nameOf(s, d.by))],
      ];
      if (d.note) rows.push([D.note, d.note]);
      if (d.fixes.length > 0) rows.push([D.fixes, d.fixes.map((f) => `${at(f.at, day, lang)} ${f.note}`).join('; ')]);
      const outcome = D.outcomes[d.status]!;
      rows.push([D.classification, d.resolution ? D.resolved(outcome, at(d.resolution.at, day, lang), nameOf(s, d.resolution.by), d.resolution.reason) : d.presumedOwn ? `${outcome}; ${D.presumed}` : outcome]);
      rows.push([D.interrupted, period(d.at, d.resolution?.at ?? null, day, lang)]);
      if (d.votes.length > 0) rows.push([D.votes, d.votes.map((v) => d.repeatedBy.find((r) => r.vote === v)).map((r, i) => (r ? D.repeated(r.vote, r.by) : D.notRepeated(d.votes[i]!))).join('; ')]);
      blocks.push({ type: 'heading', text: D.disruption(d.id) }, { type: 'fields', rows });
    }
    if (drops.length > 0)
      blocks.push({
        type: 'table',
        caption: D.drops,
        head: [D.time, D.member, D.dropStatus],
        rows: drops.map((x) => [period(x.from, x.to, day, lang), nameOf(s, x.person), x.reason ? D.dropReasons[x.reason]! : `${D.dropStatuses[x.status]!}${x.disruption ? ` (${D.disruption(x.disruption)})` : ''}`]),
      });
    return { blocks, facts: { rules: rules as unknown as Json, disruptions: list as unknown as Json, drops: drops as unknown as Json } };
  },
};
