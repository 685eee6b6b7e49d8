/**
 * Where an entry this device signed stands while no relay is reached (DIS-5): kept on the device for later, or
 * handed to other devices over data channels, counted from their signed beacons (core/replica.ts holders).
 */
import { Show } from 'solid-js';
import { t, tn } from '../i18n/index.js';
import type { Session } from '../session.js';

export function Delivery(props: { s: Session; entry: string }) {
  const reach = () => props.s.reach();
  const held = () => props.s.holders(props.entry);
  const text = () => (held() > 0 ? tn('delivery.handed', held()) : reach() === 'peers' ? t('delivery.handing') : t('delivery.queued'));
  return (
    <Show when={reach() !== 'online'}>
      <p class="delivery" data-testid="delivery" data-reach={reach()} data-holders={held()}>
        {text()}
      </p>
    </Show>
  );
}
