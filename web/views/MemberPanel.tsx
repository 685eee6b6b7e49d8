/** A member checks in (remote) and out; the chair checks on-site members in from the chair panel. */
import { Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function MemberPanel(props: { s: Session }) {
  const s = props.s;
  const me = () => s.me()?.person;
  const present = () => !!s.state().attendance[me() ?? '']?.present;
  const item = () => s.state().agenda.find((i) => i.id === s.state().currentItem);
  const conflicted = () => s.state().conflicts.some((c) => c.person === me() && c.item === item()?.id);
  return (
    <Show when={me() && s.state().persons.some((p) => p.id === me()) && s.state().session !== 'closed'}>
      <section class="card" aria-labelledby="me-h">
        <h2 id="me-h">{t('attendance')}</h2>
        <Show
          when={present()}
          fallback={
            <button type="button" class="primary" onClick={() => s.act('attendance.in', { person: me()!, place: 'remote' })}>
              {t('checkin.in')}
            </button>
          }
        >
          <button type="button" onClick={() => s.act('attendance.out', { person: me()! })}>
            {t('checkin.out')}
          </button>
        </Show>
        <Show when={item() && s.state().persons.find((p) => p.id === me())?.voting}>
          <Show when={!conflicted()} fallback={<p class="muted">{t('conflict.declared')}</p>}>
            <button type="button" onClick={() => s.act('conflict.declare', { person: me()!, item: item()!.id }, item()!.public ? 'public' : 'members')}>
              {t('conflict.declare')} (TOP {item()!.no})
            </button>
          </Show>
        </Show>
      </section>
    </Show>
  );
}
