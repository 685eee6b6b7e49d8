/** The language ladder: a signal for the language, t() for a message with {placeholders}. */
import { createSignal } from 'solid-js';
import { de, type MessageKey } from './de.js';
import { en } from './en.js';

export type Lang = 'de' | 'en';
const catalogues: Record<Lang, Record<MessageKey, string>> = { de, en };

const initial = (): Lang => (globalThis.localStorage?.getItem('ratsraum.lang') === 'en' ? 'en' : 'de');
const [lang, setLangSignal] = createSignal<Lang>(initial());

export { lang };
export type { MessageKey };

export function setLang(l: Lang): void {
  setLangSignal(l);
  globalThis.localStorage?.setItem('ratsraum.lang', l);
  if (globalThis.document) document.documentElement.lang = l;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogues[lang()][key].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

/** Keys `<base>.one` / `<base>.other` of the catalogue, named by their base. */
type PluralKey = { [K in MessageKey]: K extends `${infer B}.one` ? (`${B}.other` extends MessageKey ? B : never) : never }[MessageKey];

/** A message in the plural form the language's rules pick for `n` (CLDR: `one` or `other` in German and English). */
export function tn(key: PluralKey, n: number, params: Record<string, string | number> = {}): string {
  const form = new Intl.PluralRules(lang()).select(n) === 'one' ? 'one' : 'other';
  return t(`${key}.${form}` as MessageKey, { ...params, n });
}
