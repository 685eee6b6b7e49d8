/**
 * Result of a vote: decision or election outcome (with any lot), votes per option as a chart with the table
 * as its accessible alternative, open results by faction, and each member's ballot by name (secret: only
 * that a ballot was received and its status).
 */
import { For, Show } from 'solid-js';
import type { Vote } from '../../core/state.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { factionName, optionLabel, personName } from './names.js';

const names = (v: Vote, ids: string[]) => ids.map((id) => optionLabel(v, id, t)).join(', ');

/** One line: what came out of the vote. */
export function VoteSummary(props: { s: Session; v: Vote }) {
  const v = () => props.v;
  const text = () => {
    if (v().kind === 'decision') return v().result ? `${t(`vote.result.${v().result!}`)} (${t('vote.tally', v().tally)})` : null;
    if (v().elected) return t('vote.elected', { name: optionLabel(v(), v().elected!, t) });
    const o = v().outcome;
    if (!o) return null;
    if (o.kind === 'runoff' || v().runoff) return t('vote.runoffNeeded', { names: names(v(), v().runoff ?? []) });
    if (o.kind === 'lot') return t('vote.lotNeeded', { names: names(v(), o.among) });
    return o.kind === 'not-elected' ? t('vote.notElected') : null;
  };
  return <strong data-testid="summary">{text() ?? (v().status === 'open' ? t('vote.status.open') : t('vote.status.closed'))}</strong>;
}

export function VoteResult(props: { s: Session; v: Vote }) {
  const st = () => props.s.state();
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
  const counts = () => props.v.counts;
  const total = () => Object.values(counts() ?? {}).reduce((a, b) => a + b, 0);
  const lot = () => props.v.lot;
  return (
    <>
      <Show when={counts()}>
        <p class={`result${props.v.result ? ` result-${props.v.result}` : ''}`} role="status">
          <VoteSummary s={props.s} v={props.v} />
        </p>
        <Show when={props.v.source === 'postal'}>
          <p class="muted">{t('vote.source.postal')}</p>
        </Show>
        <Show when={!props.v.publicResult}>
          <p class="muted">{t('vote.resultHidden')}</p>
        </Show>
        <figure class="chart">
          <div aria-hidden="true">
            <For each={props.v.options}>
              {(o) => (
                <div class="bar-row">
                  <span class="bar-label">{optionLabel(props.v, o, t)}</span>
                  <span class={`bar bar-${o}`} style={{ width: `${total() ? (100 * (counts()![o] ?? 0)) / total() : 0}%` }} />
                  <span class="bar-value">{counts()![o] ?? 0}</span>
                </div>
              )}
            </For>
          </div>
          <table class="tally" data-testid="counts">
            <caption>{t('vote.counts')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('vote.option')}</th>
                <th scope="col">{t('vote.count')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={props.v.options}>
                {(o) => (
                  <tr data-option={o}>
                    <th scope="row">{optionLabel(props.v, o, t)}</th>
                    <td>{counts()![o] ?? 0}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </figure>
      </Show>
      <Show when={lot()}>
        {(l) => (
          <p data-testid="lot">
            <Show
              when={l().order}
              fallback={t('vote.lotRunning', { committed: Object.keys(l().commits).length, n: l().drawers.length, revealed: Object.keys(l().reveals).length })}
            >
              {t('vote.lotDrawn', { order: names(props.v, l().order!), seed: (l().seed ?? '').slice(0, 16) })}
            </Show>
          </p>
        )}
      </Show>
      <Show when={props.v.byFaction?.length}>
        <table class="tally" data-testid="by-faction">
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
            <For each={props.v.byFaction}>
              {(r) => (
                <tr>
                  <th scope="row">{r.faction === null ? t('noFaction') : factionName(st(), r.faction)}</th>
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
        <table class="ballots stacked">
          <caption>{t('vote.byName')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('faction')}</th>
              <Show when={props.v.mode !== 'secret'}>
                <th scope="col">{t('choice')}</th>
              </Show>
              <th scope="col">{t('status')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={byMember()}>
              {(b) => (
                <tr data-person={b.person} data-status={b.status} title={b.entry}>
                  <th scope="row">{personName(st(), b.person)}</th>
                  <td data-label={t('faction')}>{factionName(st(), st().persons.find((p) => p.id === b.person)?.faction ?? null) ?? '–'}</td>
                  <Show when={props.v.mode !== 'secret'}>
                    <td data-label={t('choice')}>{optionLabel(props.v, b.choice ?? '', t)}</td>
                  </Show>
                  <td data-label={t('status')}>
                    {t(`ballot.${b.status}`)}
                    <Show when={b.recordedBy}>
                      {(by) => (
                        <span class="tag" data-testid="recorded-by">
                          {t('cockpit.recordedBy', { name: personName(st(), by()) })}
                        </span>
                      )}
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </>
  );
}
