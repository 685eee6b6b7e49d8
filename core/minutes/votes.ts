/**
 * Every vote and election: kind, procedure, rule, result; open decisions by faction, roll-calls by name,
 * secret votes by their decrypted sum only; run-offs, lots, and postal results marked as such (VOTE-5).
 */
import type { Json } from '../../crypto/canonical.js';
import type { Block } from '../minutes.js';
import type { SessionState, Vote } from '../state.js';
import type { Labels, Lang } from './labels.js';
import type { MinutesLog } from './log.js';
import { voteValidity } from './disruptions.js';
import { factionName, nameOf, type SectionSpec } from './section.js';
import { at } from './time.js';

const optionLabel = (L: Labels, v: Vote, o: string) => v.candidates.find((c) => c.id === o)?.name ?? L.votes.options[o] ?? o;

function resultText(L: Labels, v: Vote): string {
  const V = L.votes;
  const names = (ids: string[]) => ids.map((id) => optionLabel(L, v, id)).join(', ');
  if (v.decryption === 'failed') return V.failed;
  if (!v.counts) return v.status === 'closed' || v.postal ? V.waiting : V.noResult;
  if (v.kind === 'decision') return v.result === 'accepted' ? V.accepted : v.result === 'rejected' ? V.rejected : V.noResult;
  if (v.elected) return V.elected(optionLabel(L, v, v.elected));
  if (v.runoff) return V.runoff(names(v.runoff));
  const o = v.outcome;
  if (o?.kind === 'lot') return V.lotNeeded(names(o.among));
  if (o?.kind === 'not-elected') return V.notElected[o.reason] ?? V.noResult;
  return V.noResult;
}

function voteBlocks(s: SessionState, log: MinutesLog, v: Vote, L: Labels, lang: Lang): { blocks: Block[]; facts: Json } {
  const V = L.votes;
  const day = s.meeting?.start ?? null;
  const item = s.agenda.find((i) => i.id === v.item);
  const previous = v.runoffOf ? s.votes.find((x) => x.id === v.runoffOf && x.doc === v.doc) : undefined;
  const entered = log.applied('vote.result').find((x) => x.doc === v.doc && x.payload?.vote === v.id);
  const key = v.key ? s.keys.find((k) => k.id === v.key) : undefined;
  const rule = v.kind === 'election' ? (v.runoffOf ? V.rules.runoff! : V.rules.election!) : V.rules[v.rule]!;
  const fields: [string, string][] = [
    [V.item, item ? `${item.no} ${item.title}` : L.none],
    [V.kind, V.kinds[v.kind]!],
    [V.mode, V.modes[v.mode]!],
    [V.rule, rule],
  ];
  if (v.kind === 'election') fields.push([V.round, previous ? `${v.round} (${V.runoffOf(previous.title)})` : String(v.round)]);
  fields.push([V.opened, at(v.openedAt, day, lang)], [V.closed, v.closedAt === null ? L.notYet : at(v.closedAt, day, lang)]);
  if (v.postal) {
    fields.push([V.source, V.postal], [V.postalOrdered, `${at(v.postal.at, day, lang)}: ${v.postal.reason}`]);
    if (entered) fields.push([V.postalEntered, at(entered.e.hlc.wall, day, lang)]);
  } else fields.push([V.source, V.digital]);
  if (v.mode === 'secret' && !v.postal) fields.push([V.ballots, V.secretBallots(v.ballots.filter((b) => b.status === 'counted').length)]);
  if (key) fields.push([V.trustees, key.trustees.map((t) => nameOf(s, t)).join(', ')]);
  if (!v.publicResult) fields.push([V.result, V.notPublic]);
  fields.push([v.postal ? V.postalResult : V.result, resultText(L, v)], ...voteValidity(v, lang));
  const blocks: Block[] = [{ type: 'fields', rows: fields }];
  if (v.counts) blocks.push({ type: 'table', caption: v.postal ? V.postalResult : V.result, head: [V.option, V.votes], rows: v.options.map((o) => [optionLabel(L, v, o), String(v.counts![o] ?? 0)]) });
  if (v.byFaction && v.mode === 'open')
    blocks.push({ type: 'table', caption: V.byFaction, head: [L.attendance.faction, V.options.yes!, V.options.no!, V.options.abstain!], rows: v.byFaction.map((f) => [factionName(s, f.faction) ?? L.attendance.noFaction, String(f.yes), String(f.no), String(f.abstain)]) });
  if (v.mode === 'roll-call')
    blocks.push({
      type: 'table',
      caption: V.byName,
      head: [L.attendance.name, L.attendance.faction, V.option, V.status],
      rows: v.ballots.map((b) => {
        const p = s.persons.find((x) => x.id === b.person);
        const status = V.statuses[b.status] + (b.recordedBy ? `, ${V.recordedBy(nameOf(s, b.recordedBy))}` : '');
        return [nameOf(s, b.person), factionName(s, p?.faction ?? null) ?? L.attendance.noFaction, b.choice === null ? '' : optionLabel(L, v, b.choice), status];
      }),
    });
  if (v.lot)
    blocks.push({
      type: 'fields',
      rows: [
        [V.lot, v.lot.among.map((c) => optionLabel(L, v, c)).join(', ')],
        [V.drawers, v.lot.drawers.map((d) => nameOf(s, d)).join(', ')],
        [V.drawn, v.lot.order ? v.lot.order.map((c) => optionLabel(L, v, c)).join(', ') : L.notYet],
        [V.seed, v.lot.seed ?? L.notYet],
      ],
    });
  // Secret ballots stay secret: the facts name who took a place, never a choice (there is none in clear).
  const ballots = v.ballots.map((b) => ({ person: b.person, choice: b.choice, status: b.status, entry: b.entry, at: b.at, ...(b.recordedBy ? { recordedBy: b.recordedBy } : {}) }));
  const facts = {
    id: v.id, doc: v.doc, item: v.item, title: v.title, kind: v.kind, mode: v.mode, rule: v.rule, round: v.round, runoffOf: v.runoffOf,
    openedAt: v.openedAt, closedAt: v.closedAt, source: v.source, postal: v.postal, postalEnteredAt: entered?.e.hlc.wall ?? null,
    counts: v.counts, result: v.result, outcome: v.outcome as Json, elected: v.elected, runoff: v.runoff, decryption: v.decryption,
    lot: v.lot ? { drawers: v.lot.drawers, among: v.lot.among, order: v.lot.order, seed: v.lot.seed } : null,
    byFaction: v.byFaction as Json, ballots, publicResult: v.publicResult, repeats: v.repeats, void: v.void,
  };
  return { blocks, facts: facts as unknown as Json };
}

export const votes: SectionSpec = {
  id: 'votes',
  title: (L) => L.votes.title,
  kinds: ['vote.open', 'vote.candidate', 'vote.cast', 'vote.ballot', 'vote.close', 'vote.partial', 'vote.postal', 'vote.result', 'vote.onsite', 'lot.open', 'lot.commit', 'lot.reveal', 'key.setup'],
  from(s, log, { L, lang }) {
    if (s.votes.length === 0) return null;
    const parts = s.votes.map((v) => ({ v, ...voteBlocks(s, log, v, L, lang) }));
    return {
      blocks: parts.flatMap(({ v, blocks }) => [{ type: 'heading', text: `${v.kind === 'election' ? L.votes.election : L.votes.vote}: ${v.title}` } as Block, ...blocks]),
      facts: { votes: parts.map((p) => p.facts) },
    };
  },
};
