/** Result of a vote: decision, tally, table by faction, and each member's ballot grouped by faction (open and roll-call votes). */
import { For, Show } from 'solid-js';
import type { Vote } from '../../core/state.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { factionName, personName } from './names.js';

export function VoteResult(props: { s: Session; v: Vote }) {
  const st = () => props.s.state();
  const byFaction = () =>
    [...st().factions, { id: null as string | null, name: t('noFaction') }]
      .map((f) => {
        const counted = props.v.ballots.filter((b) => b.status === 'counted' && (st().persons.find((p) => p.id === b.person)?.faction ?? null) === f.id);
        return { name: f.name, yes: counted.filter((b) => b.choice === 'yes').length, no: counted.filter((b) => b.choice === 'no').length, abstain: counted.filter((b) => b.choice === 'abstain').length };
      })
      .filter((r) => r.yes + r.no + r.abstain > 0);
  // Presentation order only: faction by faction as the body lists them, members in roll order; arrival order within a person.
  const byMember = () => {
    const s = st();
    const rank = (person: string) => {
      const i = s.persons.findIndex((p) => p.id === person);
      const f = s.factions.findIndex((x) => x.id === s.persons[i]?.faction);
      return (f < 0 ? s.factions.length : f) * 100_000 + (i < 0 ? 99_999 : i);
    };
    return [...props.v.ballots].sort((a, b) => rank(a.person) - rank(b.person));
  };
  return (
    <>
      <Show when={props.v.result}>
        {(r) => (
          <p class={`result result-${r()}`} role="status">
            <strong>{t(`vote.result.${r()}`)}</strong> – {t('vote.tally', props.v.tally)}
          </p>
        )}
      </Show>
      <Show when={props.v.status === 'closed' && byFaction().length > 0}>
        <table class="tally">
          <caption>{t('vote.byFaction')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('faction')}</th>
              <th scope="col">{t('vote.yes')}</th>
              <th scope="col">{t('vote.no')}</th>
              <th scope="col">{t('vote.abstain')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={byFaction()}>
              {(r) => (
                <tr>
                  <th scope="row">{r.name}</th>
                  <td>{r.yes}</td>
                  <td>{r.no}</td>
                  <td>{r.abstain}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={props.v.ballots.length > 0}>
        <table class="ballots">
          <caption>{t('vote.byName')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('faction')}</th>
              <th scope="col">{t('choice')}</th>
              <th scope="col">{t('status')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={byMember()}>
              {(b) => (
                <tr data-person={b.person} data-status={b.status} title={b.entry}>
                  <th scope="row">{personName(st(), b.person)}</th>
                  <td>{factionName(st(), st().persons.find((p) => p.id === b.person)?.faction ?? null) ?? '–'}</td>
                  <td>{t(`vote.${b.choice}`)}</td>
                  <td>{t(`ballot.${b.status}`)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </>
  );
}
