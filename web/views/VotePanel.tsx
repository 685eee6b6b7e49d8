/** The current vote: kind clearly marked, live count, ballot buttons, own ballot, result; earlier votes. */
import { For, Show } from 'solid-js';
import type { Choice } from '../../core/entries.js';
import type { Vote } from '../../core/state.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { VoteResult } from './VoteResult.js';

const CHOICES: Choice[] = ['yes', 'no', 'abstain'];

export function VotePanel(props: { s: Session }) {
  const st = () => props.s.state();
  const current = () => st().votes[st().votes.length - 1];
  const earlier = () => st().votes.slice(0, -1).reverse();
  return (
    <section class="card" aria-labelledby="vote-h">
      <h2 id="vote-h">{t('vote.heading')}</h2>
      <Show when={current()} fallback={<p>{t('vote.none')}</p>}>
        {(v) => <CurrentVote s={props.s} v={v()} />}
      </Show>
      <Show when={earlier().length > 0}>
        <h3>{t('vote.past')}</h3>
        <ul class="past">
          <For each={earlier()}>
            {(v) => (
              <li>
                <span class={`pill mode-${v.mode}`}>{t(`vote.mode.${v.mode}`)}</span> {v.title}:{' '}
                <strong>{v.result ? t(`vote.result.${v.result}`) : t('vote.status.open')}</strong> ({t('vote.tally', v.tally)})
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

function CurrentVote(props: { s: Session; v: Vote }) {
  const s = props.s;
  const me = () => s.me();
  const mine = () => props.v.ballots.find((b) => b.person === me()?.person);
  const myPerson = () => s.state().persons.find((p) => p.id === me()?.person);
  const present = () => !!s.state().attendance[me()?.person ?? '']?.present;
  const canVote = () => props.v.status === 'open' && !!myPerson()?.voting && present() && !mine();
  const received = () => props.v.ballots.filter((b) => b.status !== 'duplicate' && b.status !== 'not-entitled').length;
  const item = () => s.state().agenda.find((i) => i.id === props.v.item);
  return (
    <div class="vote" data-vote={props.v.id} data-vote-status={props.v.status}>
      <p>
        <span class={`pill mode-${props.v.mode}`}>{t(`vote.mode.${props.v.mode}`)}</span>{' '}
        <span class={`pill vote-${props.v.status}`}>{t(`vote.status.${props.v.status}`)}</span>
      </p>
      <p class="muted" data-rule={props.v.rule}>
        {t('vote.rule')}: {t(`rule.${props.v.rule}`)}
      </p>
      <p class="vote-title">
        <Show when={item()}>TOP {item()!.no}: </Show>
        {props.v.title}
      </p>
      <p aria-live="polite">{t('vote.received', { n: received() })}</p>
      <Show when={me() && props.v.status === 'open'}>
        <Show
          when={myPerson()?.voting}
          fallback={<p class="muted">{t('vote.notEntitled.advisory')}</p>}
        >
          <Show when={present() || mine()} fallback={<p class="muted">{t('vote.notEntitled.absent')}</p>}>
            <fieldset class="ballot" disabled={!canVote()}>
              <legend>{t('vote.castHint')}</legend>
              <For each={CHOICES}>
                {(c) => (
                  <button type="button" class={`choice choice-${c}`} data-choice={c} onClick={() => s.act('vote.cast', { vote: props.v.id, choice: c }, props.v.doc)}>
                    {t(`vote.${c}`)}
                  </button>
                )}
              </For>
            </fieldset>
          </Show>
        </Show>
      </Show>
      <Show when={mine()}>
        {(b) => (
          <p class="mine" data-ballot-status={b().status}>
            {t('vote.yourBallot', { choice: t(`vote.${b().choice}`), status: t(`ballot.${b().status}`) })}
            <Show when={s.status() !== 'online' && props.v.status === 'open'}> – {t('vote.queued')}</Show>
          </p>
        )}
      </Show>
      <VoteResult s={s} v={props.v} />
    </div>
  );
}
