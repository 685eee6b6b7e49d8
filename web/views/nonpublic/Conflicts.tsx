/**
 * BEF-1/2 on screen: the chair decides on each declared conflict (confirm or reject, asked first); the
 * excluded member's own page says so; every other device marks them "ausgeschlossen (Befangenheit) seit …".
 * Who is excluded and since when is the fold's (state.exclusions); the view only renders it.
 */
import { For, Show } from 'solid-js';
import { exclusionOf } from '../../../core/rules/conflicts.js';
import type { SessionState } from '../../../core/state.js';
import { t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { ConfirmButton } from '../cockpit/Confirm.js';
import { keyedBy } from '../keyed.js';
import { personName } from '../names.js';
import { hhmm } from './call.js';

const itemNo = (st: SessionState, id: string) => st.agenda.find((i) => i.id === id)?.no ?? id;

export function ConflictDecisions(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const rows = keyedBy(() => st().conflicts, (c) => `${c.person} ${c.item}`);
  return (
    <Show when={st().conflicts.length > 0}>
      <section class="card" aria-labelledby="conflicts-h" data-testid="conflict-decisions">
        <h2 id="conflicts-h">{t('np.conflicts.title')}</h2>
        <ul>
          <For each={rows.keys()}>
            {(key) => {
              const c = rows.item(key);
              const args = () => ({ name: personName(st(), c().person), no: itemNo(st(), c().item) });
              const doc = () => (st().agenda.find((i) => i.id === c().item)?.public === false ? 'members' : 'public');
              const decide = (confirmed: boolean) => s.act('conflict.confirm', { person: c().person, item: c().item, confirmed }, doc());
              return (
                <li data-conflict={key}>
                  {t('np.conflicts.row', args())} –{' '}
                  <Show when={c().decision} fallback={<span class="warn">{t('np.conflicts.open')}</span>}>
                    {(d) => <span>{t(d().confirmed ? 'np.conflicts.confirmed' : 'np.conflicts.rejected')}</span>}
                  </Show>
                  <Show when={!c().decision}>
                    <span class="row">
                      <ConfirmButton label={t('np.conflicts.confirm')} title={t('np.conflicts.confirmTitle')} consequence={t('np.conflicts.confirmText', args())} testid="conflict-confirm" onConfirm={() => decide(true)} />
                      <ConfirmButton label={t('np.conflicts.reject')} title={t('np.conflicts.rejectTitle')} consequence={t('np.conflicts.rejectText', args())} testid="conflict-reject" onConfirm={() => decide(false)} />
                    </span>
                  </Show>
                </li>
              );
            }}
          </For>
        </ul>
      </section>
    </Show>
  );
}

/** On the excluded member's own page. */
export function ExclusionNotice(props: { s: Session }) {
  const x = () => exclusionOf(props.s.state(), props.s.me()?.person);
  return (
    <Show when={x()}>
      {(e) => (
        <p class="alert" role="alert" data-testid="excluded-self">
          {e().item !== null ? t('np.excluded.self', { no: itemNo(props.s.state(), e().item!) }) : t('np.excluded.selfHidden')}
        </p>
      )}
    </Show>
  );
}

/** Beside a person's name on every other device; not for a non-public item the viewer's document does not name. */
export function ExclusionMark(props: { s: Session; person: string }) {
  const x = () => exclusionOf(props.s.state(), props.person);
  return (
    <Show when={x()?.item != null ? x() : undefined}>
      {(e) => (
        <span class="tag warn" data-testid="excluded-mark">
          {t('np.excluded.since', { time: hhmm(e().from) })}
        </span>
      )}
    </Show>
  );
}
