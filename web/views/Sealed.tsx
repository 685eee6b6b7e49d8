/**
 * End-to-end encryption as members see it (docs/PROTOCOL.md "Sealed content"): that the members' content of
 * this meeting is encrypted, and what this device cannot open (no key for it, e.g. an item it is excluded from).
 */
import { Show } from 'solid-js';
import { t, tn } from '../i18n/index.js';
import type { Session } from '../session.js';

export function SealedNotice(props: { s: Session }) {
  const e2e = () => props.s.state().e2e;
  const member = () => props.s.replica.docs.includes('members');
  return (
    <Show when={member() && e2e().sealed}>
      <p class="muted" role="status" data-testid="sealed">
        {t('e2e.on')}
        <Show when={e2e().unreadable.length > 0}> {tn('e2e.unreadable', e2e().unreadable.length)}</Show>
      </p>
    </Show>
  );
}
