/**
 * A member's own attendance and conflict of interest. Checking in (digital or in the chamber) sits in the
 * meeting page's action bar (CheckIn); the chair checks in on-site members without a device from the chair panel.
 */
import { Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { ConfirmButton } from './cockpit/Confirm.js';

const myPerson = (s: Session) => {
  const me = s.me()?.person;
  return me && s.state().persons.some((p) => p.id === me) ? me : undefined;
};

/** The check-in buttons (digital or in the chamber), shown while this member is absent and the session is not closed. */
export function CheckIn(props: { s: Session }) {
  const s = props.s;
  const me = () => myPerson(s);
  return (
    <Show when={me() && !s.state().attendance[me()!]?.present && s.state().session !== 'closed'}>
      <button type="button" class="primary" onClick={() => s.act('attendance.in', { person: me()!, place: 'remote' })}>
        {t('checkin.in')}
      </button>
      <button type="button" onClick={() => s.act('attendance.in', { person: me()!, place: 'onsite' })}>
        {t('checkin.onsite')}
      </button>
    </Show>
  );
}

export function MemberPanel(props: { s: Session }) {
  const s = props.s;
  const me = () => myPerson(s);
  const a = () => s.state().attendance[me() ?? ''];
  const item = () => s.state().agenda.find((i) => i.id === s.state().currentItem);
  const conflicted = () => s.state().conflicts.some((c) => c.person === me() && c.item === item()?.id);
  return (
    <Show when={me() && s.state().session !== 'closed'}>
      <section class="card" aria-labelledby="me-h">
        <h2 id="me-h">{t('cockpit.me')}</h2>
        <Show when={a()?.present} fallback={<p class="muted">{t('cockpit.me.absent')}</p>}>
          <p>
            {t('cockpit.me.present', { place: t(a()!.place === 'onsite' ? 'onsite' : 'remote') })}{' '}
            <button type="button" onClick={() => s.act('attendance.out', { person: me()! })}>
              {t('checkin.out')}
            </button>
          </p>
        </Show>
        <Show when={item() && s.state().persons.find((p) => p.id === me())?.voting}>
          <Show when={!conflicted()} fallback={<p class="muted">{t('conflict.declared')}</p>}>
            <ConfirmButton
              label={`${t('conflict.declare')} (TOP ${item()!.no})`}
              title={t('cockpit.confirm.conflictTitle')}
              consequence={t('cockpit.confirm.conflict', { no: item()!.no })}
              testid="declare-conflict"
              onConfirm={() => s.act('conflict.declare', { person: me()!, item: item()!.id }, item()!.public ? 'public' : 'members')}
            />
          </Show>
        </Show>
      </section>
    </Show>
  );
}
