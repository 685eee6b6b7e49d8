/** PUB-4: a resident submits a question for the question time; a refusal (after the deadline) says why. */
import { createSignal, Show } from 'solid-js';
import type { PublicInfo } from '../../../core/public-access.js';
import { lang, t } from '../../i18n/index.js';
import { PublicError, submitQuestion } from '../../public-access.js';
import { when } from './when.js';

export function QuestionForm(props: { tenant: string; meeting: string; info: PublicInfo }) {
  const [name, setName] = createSignal('');
  const [email, setEmail] = createSignal('');
  const [text, setText] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [outcome, setOutcome] = createSignal<{ ok: boolean; text: string }>();
  const qt = () => props.info.questionTime;
  const w = () => props.info.questions;
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(undefined);
    try {
      const r = await submitQuestion(props.tenant, props.meeting, { name: name(), text: text(), ...(email().trim() ? { email: email().trim() } : {}) });
      setText('');
      setOutcome({ ok: true, text: t('pub.q.sent', { no: r.no }) });
    } catch (err) {
      const de = err instanceof PublicError && lang() === 'de' ? err.de : undefined;
      setOutcome({ ok: false, text: t('pub.q.refused', { reason: de ?? (err as Error).message }) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={qt()}>
      {(item) => (
        <section class="card" aria-labelledby="pub-q-h" data-testid="question-form">
          <h2 id="pub-q-h">{t('pub.q.heading', { no: item().no })}</h2>
          <p>{w().open ? (w().until === null ? t('pub.q.during') : t('pub.q.until', { until: when(w().until!) })) : t('pub.q.closedHint')}</p>
          <form onSubmit={send}>
            <label for="pub-q-name">{t('pub.q.name')}</label>
            <input id="pub-q-name" autocomplete="name" required maxLength={200} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
            <label for="pub-q-email">{t('pub.q.email')}</label>
            <input id="pub-q-email" type="email" autocomplete="email" maxLength={254} value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
            <label for="pub-q-text">{t('pub.q.text')}</label>
            <textarea id="pub-q-text" required maxLength={2000} rows={4} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
            <button type="submit" disabled={busy()}>
              {t('pub.q.submit')}
            </button>
          </form>
          <div aria-live="polite">
            <Show when={outcome()}>
              {(o) => (
                <p class={o().ok ? 'ok' : 'alert'} role={o().ok ? 'status' : 'alert'} data-testid="question-outcome">
                  {o().text}
                </p>
              )}
            </Show>
          </div>
        </section>
      )}
    </Show>
  );
}
