/**
 * Elections of persons (GO NRW § 50 Abs. 2): elected is who receives more than half of the valid votes;
 * No votes are valid, abstentions and invalid ballots are not. Otherwise a run-off (engere Wahl) between
 * the two with the highest numbers of votes; there, most votes wins, and a tie is decided by lot.
 *
 * The law leaves open who enters the run-off when several tie for a place; that is the body setting
 * `runoffTie`: 'lot' (default: a lot decides who takes the open places, so the run-off has two persons)
 * or 'all' (everyone tied for a place enters the run-off). A single candidate without a majority is not
 * elected and no run-off follows: the election is held again.
 */
export interface ElectionTally {
  candidates: Record<string, number>;
  no: number;
  abstain: number;
  invalid: number;
}

export type Outcome =
  | { kind: 'elected'; candidate: string }
  | { kind: 'runoff'; candidates: string[] }
  | { kind: 'lot'; among: string[]; places: number; then: 'runoff' | 'elected'; fixed: string[] }
  | { kind: 'not-elected'; reason: 'no-valid-votes' | 'no-majority' };

export interface ElectionSettings {
  runoffTie: 'lot' | 'all';
}

export const DEFAULT_SETTINGS: ElectionSettings = { runoffTie: 'lot' };

const ranking = (c: Record<string, number>) => Object.entries(c).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));

export function firstRound(t: ElectionTally, settings: ElectionSettings = DEFAULT_SETTINGS): Outcome {
  const valid = Object.values(t.candidates).reduce((s, v) => s + v, 0) + t.no;
  if (valid === 0) return { kind: 'not-elected', reason: 'no-valid-votes' };
  const ranked = ranking(t.candidates);
  const [top] = ranked;
  if (top && 2 * top[1] > valid) return { kind: 'elected', candidate: top[0] };
  if (ranked.length < 2) return { kind: 'not-elected', reason: 'no-majority' };
  const cut = ranked[1]![1]; // votes needed for a run-off place
  const above = ranked.filter(([, v]) => v > cut).map(([c]) => c);
  const tied = ranked.filter(([, v]) => v === cut).map(([c]) => c);
  const places = 2 - above.length;
  if (tied.length === places || settings.runoffTie === 'all') return { kind: 'runoff', candidates: [...above, ...tied] };
  return { kind: 'lot', among: tied.sort(), places, then: 'runoff', fixed: above };
}

/** The run-off: most votes wins; a tie for the most votes is decided by lot. */
export function runoff(t: ElectionTally): Outcome {
  const ranked = ranking(t.candidates);
  if (ranked.length === 0 || ranked[0]![1] === 0) return { kind: 'not-elected', reason: 'no-valid-votes' };
  const best = ranked[0]![1];
  const tied = ranked.filter(([, v]) => v === best).map(([c]) => c);
  if (tied.length === 1) return { kind: 'elected', candidate: tied[0]! };
  return { kind: 'lot', among: tied.sort(), places: 1, then: 'elected', fixed: [] };
}
