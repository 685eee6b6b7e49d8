/** A time as the public pages show it, in the language chosen (German time). */
import { lang } from '../../i18n/index.js';

export const when = (ms: number): string =>
  new Date(ms).toLocaleString(lang() === 'en' ? 'en-GB' : 'de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short' });
