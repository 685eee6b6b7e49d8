/** The way to the record check page, for start pages. */
import { t } from '../../i18n/index.js';

export function CheckLink() {
  return (
    <p class="muted" data-testid="check-link">
      <a href="#/check">{t('check.link')}</a>: {t('check.linkHint')}
    </p>
  );
}
