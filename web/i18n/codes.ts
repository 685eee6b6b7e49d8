/**
 * Texts for the codes the relay sends (refusals, OParl problems, audit actions), so that no English text
 * of the relay reaches German mode. A refusal (`{ code, error|message, de }`) is shown as the catalogue's
 * text for its code (error.<code>); `CONTEXTUAL` codes fall back to the relay's own text in the UI's language.
 */
import { de } from './de.js';
import { lang, type MessageKey, t } from './index.js';

/** Codes that mean a different thing on each route: the relay's own text (in the UI's language) says which. */
export const CONTEXTUAL = ['unknown', 'bad-signature', 'revoked', 'used', 'expired', 'rate-limit'] as const;

/** Whether the catalogue has a text for `key` (keys built from a code the relay sent). */
export const known = (key: string): key is MessageKey => Object.hasOwn(de, key);

export interface RefusalBody {
  code?: string;
  error?: string;
  message?: string;
  de?: string;
}

export function refusalText(r: RefusalBody, status: number): string {
  const key = `error.${r.code}`;
  if (r.code && known(key) && !(CONTEXTUAL as readonly string[]).includes(r.code)) return t(key);
  const other = t('error.other', { code: r.code ?? `HTTP ${status}` });
  return (lang() === 'de' ? r.de : (r.message ?? r.error)) ?? other;
}
