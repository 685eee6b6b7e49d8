/**
 * VID-2: the speakers list. Everyone sees who has the floor (with the running speaking time) and who waits;
 * members ask for the floor and withdraw; the chair gives it in order or out of order and withdraws it.
 * Every click is a signed entry; the fold (core/rules/room.ts) decides what it does.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { personName } from '../names.js';
import { elapsed, useNow } from './clock.js';

export function SpeakersList(props: { s: Session; chair: boolean }) {
  const s = props.s;
  const room = () => s.state().room;
  const [now, stop] = useNow();
  onCleanup(stop);
  const name = (p: string) => personName(s.state(), p);
  const open = () => s.state().session === 'open';
  return (
    <section class="card speakers" aria-labelledby="speakers-h" data-testid="speakers">
      <h2 id="speakers-h">{t('cockpit.speakers')}</h2>
      <Show when={room().floor} fallback={<p class="muted" data-testid="floor">{t('cockpit.floorNone')}</p>}>
        {(f) => (
          <p class="floor" data-testid="floor" data-person={f()}>
            <span class="muted">{t('cockpit.floor')}: </span>
            <strong>{name(f())}</strong>{' '}
            <span class="timer" role="timer" aria-live="off">
              {t('cockpit.speakingFor', { time: elapsed(now() - (room().floorSince ?? now())) })}
            </span>
          </p>
        )}
      </Show>
      <ol class="queue" data-testid="queue">
        {/* Keyed by person: a fold re-creates no row, so the keyboard focus stays on its button. */}
        <For each={room().queue.map((q) => q.person)} fallback={<li class="muted">{t('cockpit.queueEmpty')}</li>}>
          {(person) => (
            <li data-person={person}>
              <span class="who">{name(person)}</span> <span class="muted">{t('cockpit.waiting', { time: elapsed(now() - (room().queue.find((q) => q.person === person)?.at ?? now())) })}</span>
              <Show when={props.chair && open()}>
                <span class="acts">
                  <button type="button" aria-label={t('cockpit.giveTo', { name: name(person) })} onClick={() => s.act('floor.give', { person })}>
                    {t('cockpit.give')}
                  </button>
                  <button type="button" class="quiet" aria-label={t('cockpit.strike', { name: name(person) })} onClick={() => s.act('floor.cancel', { person })}>
                    ✕
                  </button>
                </span>
              </Show>
            </li>
          )}
        </For>
      </ol>
      <Show when={props.chair && open()}>
        <ChairFloor s={s} />
      </Show>
    </section>
  );
}

/** The chair's floor controls: the next in order, withdraw, and anyone out of order. */
function ChairFloor(props: { s: Session }) {
  const s = props.s;
  const room = () => s.state().room;
  const next = () => room().queue[0]?.person;
  const [other, setOther] = createSignal('');
  const candidates = () => s.state().persons.filter((p) => p.id !== room().floor && !room().removed[p.id]);
  return (
    <>
      <div class="row">
        <Show when={next()}>
          {(p) => (
            <button type="button" class="primary" data-testid="give-next" onClick={() => s.act('floor.give', { person: p() })}>
              {t('cockpit.giveNext', { name: personName(s.state(), p()) })}
            </button>
          )}
        </Show>
        <Show when={room().floor}>
          <button type="button" data-testid="end-floor" onClick={() => s.act('floor.end', {})}>
            {t('cockpit.end')}
          </button>
        </Show>
      </div>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (other()) void s.act('floor.give', { person: other() });
          setOther('');
        }}
      >
        <label for="floor-other">{t('cockpit.giveOtherLabel')}</label>
        <select id="floor-other" value={other()} onChange={(e) => setOther(e.currentTarget.value)}>
          <option value="">–</option>
          <For each={candidates()}>{(p) => <option value={p.id}>{p.name}</option>}</For>
        </select>
        <button type="submit">{t('cockpit.give')}</button>
      </form>
    </>
  );
}

/** The member's own request: ask for the floor, or withdraw it; says where they stand. */
export function FloorButton(props: { s: Session }) {
  const s = props.s;
  const me = () => s.me()?.person;
  const room = () => s.state().room;
  const place = () => room().queue.findIndex((q) => q.person === me()) + 1;
  const member = () => !!me() && s.state().persons.some((p) => p.id === me());
  return (
    <Show when={member() && s.state().session === 'open' && !room().removed[me()!]}>
      <div class="floor-request" aria-live="polite">
        <Show
          when={room().floor !== me()}
          fallback={<strong data-testid="my-floor">{t('cockpit.youHaveFloor')}</strong>}
        >
          <Show
            when={place() > 0}
            fallback={
              <button type="button" class="primary" data-testid="ask" onClick={() => s.act('floor.ask', { person: me()! })}>
                {t('cockpit.ask')}
              </button>
            }
          >
            <span data-testid="my-place">{t('cockpit.asked', { n: place() })}</span>
            <button type="button" data-testid="cancel-ask" onClick={() => s.act('floor.cancel', { person: me()! })}>
              {t('cockpit.cancel')}
            </button>
          </Show>
        </Show>
      </div>
    </Show>
  );
}
