/** Above every view: this browser keeps nothing on the device (web/platform.ts), said before anything else fails. */
import { Show } from 'solid-js';
import { t } from '../i18n/index.js';
import { storageState } from '../platform.js';

export function StorageNotice() {
  return (
    <Show when={storageState() === 'unavailable'}>
      <div class="update" role="alert" data-testid="no-storage">
        {t('platform.noStorage')}
      </div>
    </Show>
  );
}
