/** The chair's controls, and before opening who lacks digital access (LEG-2). */
import { createSignal, For, Show } from 'solid-js';
import { randomBytes, toHex } from '../../crypto/bytes.js';
import type { VoteMode } from '../../core/entries.js';
import { type Rule, RULES } from '../../core/majority.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function ChairPanel(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const enrolled = (person: string) => s.replica.directory.all().some((c) => c.body.person === person);
  const notEnrolled = () => st().persons.filter((p) => !enrolled(p.id));
  const notConnected = () => st().persons.filter((p) => enrolled(p.id) && !s.presence().some((d) => d.person === p.id));
  const openVote = () => st().votes.find((v) => v.status === 'open');
  const [item, setItem] = createSignal('');
  const [person, setPerson] = createSignal('');
  const [title, setTitle] = createSignal('');
  const [mode, setMode] = createSignal<VoteMode>('open');
  const [rule, setRule] = createSignal<Rule>('simple');
  const current = () => st().agenda.find((i) => i.id === st().currentItem);
  const docOfItem = () => (current() && !current()!.public ? 'members' : 'public');

  return (
    <section class="card chair" aria-labelledby="chair-h">
      <h2 id="chair-h">{t('chair.heading')}</h2>
      <Show when={st().session === 'scheduled'}>
        <div class="readiness" data-testid="readiness">
          <h3>{t('chair.readiness')}</h3>
          <Show when={notEnrolled().length === 0 && notConnected().length === 0}>
            <p class="ok">{t('chair.allReady')}</p>
          </Show>
          <Show when={notEnrolled().length > 0}>
            <h4>{t('chair.notEnrolled')}</h4>
            <ul data-testid="not-enrolled">
              <For each={notEnrolled()}>{(p) => <li>{p.name}</li>}</For>
            </ul>
          </Show>
          <Show when={notConnected().length > 0}>
            <h4>{t('chair.notConnected')}</h4>
            <ul data-testid="not-connected">
              <For each={notConnected()}>{(p) => <li data-person={p.id}>{p.name}</li>}</For>
            </ul>
          </Show>
        </div>
        <button type="button" class="primary" onClick={() => s.act('session.open', {})}>
          {t('chair.open')}
        </button>
      </Show>
      <Show when={st().session === 'open'}>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (item()) void s.act('item.current', { item: item() });
          }}
        >
          <label for="item-select">{t('chair.item')}</label>
          <select id="item-select" value={item()} onChange={(e) => setItem(e.currentTarget.value)}>
            <option value="">–</option>
            <For each={st().agenda}>{(i) => <option value={i.id}>TOP {i.no} {i.title.slice(0, 50)}</option>}</For>
          </select>
          <button type="submit">{t('chair.setItem')}</button>
        </form>
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <label for="person-select">{t('chair.person')}</label>
          <select id="person-select" value={person()} onChange={(e) => setPerson(e.currentTarget.value)}>
            <option value="">–</option>
            <For each={st().persons}>{(p) => <option value={p.id}>{p.name}</option>}</For>
          </select>
          <button type="button" onClick={() => person() && s.act('attendance.in', { person: person(), place: 'onsite' })}>
            {t('chair.checkIn')}
          </button>
          <button type="button" onClick={() => person() && s.act('attendance.out', { person: person() })}>
            {t('chair.checkOut')}
          </button>
        </form>
        <Show
          when={openVote()}
          fallback={
            <form
              class="stack"
              onSubmit={(e) => {
                e.preventDefault();
                const vt = title().trim() || t('chair.defaultVoteTitle', { no: current()?.no ?? '–' });
                void s.act('vote.open', { vote: `v-${toHex(randomBytes(6))}`, item: st().currentItem, title: vt.slice(0, 300), mode: mode(), rule: rule() === 'simple' ? undefined : rule() }, docOfItem());
                setTitle('');
              }}
            >
              <label for="vote-title">{t('chair.voteTitle')}</label>
              <input id="vote-title" value={title()} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={300} />
              <fieldset class="row">
                <legend>{t('chair.voteMode')}</legend>
                <For each={['open', 'roll-call'] as VoteMode[]}>
                  {(m) => (
                    <label>
                      <input type="radio" name="mode" value={m} checked={mode() === m} onChange={() => setMode(m)} /> {t(`vote.mode.${m}`)}
                    </label>
                  )}
                </For>
              </fieldset>
              <label for="vote-rule">{t('chair.voteRule')}</label>
              <select id="vote-rule" value={rule()} onChange={(e) => setRule(e.currentTarget.value as Rule)}>
                <For each={[...RULES]}>{(r) => <option value={r}>{t(`rule.${r}`)}</option>}</For>
              </select>
              <button type="submit" class="primary">
                {t('chair.openVote')}
              </button>
            </form>
          }
        >
          {(v) => (
            <button type="button" class="primary" onClick={() => s.act('vote.close', { vote: v().id }, v().doc)}>
              {t('chair.closeVote')}
            </button>
          )}
        </Show>
        <button type="button" onClick={() => s.act('session.close', {})} disabled={!!openVote()}>
          {t('chair.close')}
        </button>
      </Show>
    </section>
  );
}
