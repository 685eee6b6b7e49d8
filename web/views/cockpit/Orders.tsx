/**
 * VID-2: the chair's orders per participant (mute, stop the picture, remove for the item or the session,
 * readmit) and the room lock, each a signed entry. The relay carries them out on the SFU and every
 * receiver applies them; this view only issues them and shows the state the fold derived.
 */
import { For, Show } from 'solid-js';
import { t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { personName } from '../names.js';
import { ConfirmButton } from './Confirm.js';

export function Orders(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const room = () => st().room;
  const connected = (p: string) => s.presence().some((d) => d.person === p);
  // Those who take part now, and anyone an order still holds. By id: a row (and an open dialog in it) survives every new fold.
  const shown = () => st().persons.filter((p) => st().attendance[p.id]?.present || connected(p.id) || room().removed[p.id] || room().muted[p.id]).map((p) => p.id);
  return (
    <section class="card orders" aria-labelledby="orders-h" data-testid="orders">
      <h2 id="orders-h">{t('cockpit.orders')}</h2>
      <div class="row">
        <button type="button" data-testid="lock" aria-pressed={room().locked} onClick={() => s.act('room.lock', { locked: !room().locked })}>
          {room().locked ? t('cockpit.unlock') : t('cockpit.lock')}
        </button>
        <Show when={room().locked}>
          <span class="notice" role="status">
            {t('cockpit.locked')}
          </span>
        </Show>
      </div>
      <table class="stacked">
        <caption class="sr-only">{t('cockpit.orders')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('cockpit.person')}</th>
            <th scope="col">{t('cockpit.state')}</th>
            <th scope="col">{t('cockpit.actions')}</th>
          </tr>
        </thead>
        <tbody>
          <For each={shown()}>{(id) => <OrderRow s={s} id={id} />}</For>
        </tbody>
      </table>
    </section>
  );
}

function OrderRow(props: { s: Session; id: string }) {
  const s = props.s;
  const room = () => s.state().room;
  const id = () => props.id;
  const name = () => personName(s.state(), props.id);
  const muted = () => room().muted[id()] ?? {};
  const removed = () => room().removed[id()];
  const item = () => s.state().agenda.find((i) => i.id === s.state().currentItem);
  const order = (media: 'audio' | 'video', on: boolean) => s.act('media.order', { person: id(), media, on });
  const marks = () =>
    [removed() && t(`cockpit.removed.${removed()!.scope}`), muted().audio && t('cockpit.mutedMark'), muted().video && t('cockpit.videoMark')].filter(Boolean).join(', ') || t('cockpit.free');
  return (
    <tr data-participant={id()}>
      <th scope="row">{name()}</th>
      <td data-label={t('cockpit.state')}>{marks()}</td>
      <td data-label={t('cockpit.actions')} class="acts">
        <Show
          when={!removed()}
          fallback={
            <button type="button" data-order="readmit" onClick={() => s.act('participant.readmit', { person: id() })}>
              {t('cockpit.readmit')}
            </button>
          }
        >
          <button type="button" data-order="audio" onClick={() => order('audio', !!muted().audio)}>
            {muted().audio ? t('cockpit.unmute') : t('cockpit.mute')}
          </button>
          <button type="button" data-order="video" onClick={() => order('video', !!muted().video)}>
            {muted().video ? t('cockpit.allowVideo') : t('cockpit.stopVideo')}
          </button>
          <Show when={item()}>
            {(i) => (
              <ConfirmButton
                label={t('cockpit.removeItem')}
                title={t('cockpit.confirm.removeTitle', { name: name() })}
                consequence={t('cockpit.confirm.removeItem', { name: name(), no: i().no })}
                testid="remove-item"
                onConfirm={() => s.act('participant.remove', { person: id(), scope: 'item' })}
              />
            )}
          </Show>
          <ConfirmButton
            label={t('cockpit.removeSession')}
            title={t('cockpit.confirm.removeTitle', { name: name() })}
            consequence={t('cockpit.confirm.removeSession', { name: name() })}
            testid="remove-session"
            onConfirm={() => s.act('participant.remove', { person: id(), scope: 'session' })}
          />
        </Show>
      </td>
    </tr>
  );
}
