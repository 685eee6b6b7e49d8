/**
 * PUB-4 for the chair: the residents' submitted questions in order of arrival (read with a request this
 * device signs), each recorded as answered or not answered by a signed `question.mark` entry.
 */
import { createResource, For, onCleanup, Show } from 'solid-js';
import { toHex } from '../../../crypto/bytes.js';
import { questionsListInput, questionTimeItem } from '../../../core/public-access.js';
import { t } from '../../i18n/index.js';
import { listQuestions } from '../../public-access.js';
import type { Session } from '../../session.js';

const POLL_MS = 10_000;

type Loaded = { questions: Awaited<ReturnType<typeof listQuestions>>['questions']; error?: string };

export function QuestionsPanel(props: { s: Session }) {
  const s = props.s;
  const item = () => questionTimeItem(s.state());
  const [tenant, meeting] = s.ref.split('/') as [string, string];
  const [list, { refetch }] = createResource(
    () => item() && s.sign && s.replica.deviceKey,
    // Never throws: a Solid resource in error state throws where it is read, which would take the whole page
    // down when the relay is gone; the last list stays shown beside the failure.
    async (device, { value }: { value?: Loaded }): Promise<Loaded> => {
      try {
        const at = Date.now();
        const sig = await s.sign!(questionsListInput(tenant, meeting, at));
        return { questions: (await listQuestions(tenant, meeting, device, at, toHex(sig))).questions };
      } catch (e) {
        return { questions: value?.questions ?? [], error: (e as Error)?.message ?? String(e) };
      }
    },
  );
  const timer = setInterval(() => item() && void refetch(), POLL_MS);
  onCleanup(() => clearInterval(timer));
  const mark = (no: number) => s.state().questions.find((q) => q.no === no);
  return (
    <Show when={item()}>
      {(i) => (
        <section class="card" aria-labelledby="chair-q-h" data-testid="chair-questions">
          <h2 id="chair-q-h">{t('pub.chair.heading', { no: i().no })}</h2>
          <button type="button" onClick={() => void refetch()}>
            {t('pub.chair.reload')}
          </button>
          <Show when={list.latest?.error}>
            {(message) => (
              <p class="alert" role="alert">
                {t('pub.chair.failed', { message: message() })}
              </p>
            )}
          </Show>
          <Show when={(list.latest?.questions ?? []).length > 0} fallback={<p class="muted">{t('pub.chair.none')}</p>}>
            <ol class="questions">
              <For each={list.latest?.questions}>
                {(q) => (
                  <li data-question={q.no}>
                    <p>
                      <strong>{t('pub.chair.from', { no: q.no, name: q.name })}</strong>
                    </p>
                    <p class="question-text">{q.text}</p>
                    <p class="muted" data-testid="question-status">
                      {mark(q.no) ? (mark(q.no)!.answered ? t('pub.chair.answered') : t('pub.chair.unanswered')) : t('pub.chair.open')}
                    </p>
                    <div class="row">
                      <button type="button" aria-label={t('pub.chair.markAnsweredFor', { no: q.no })} onClick={() => s.act('question.mark', { question: q.id, no: q.no, text: q.text, answered: true })}>
                        {t('pub.chair.markAnswered')}
                      </button>
                      <button type="button" aria-label={t('pub.chair.markUnansweredFor', { no: q.no })} onClick={() => s.act('question.mark', { question: q.id, no: q.no, text: q.text, answered: false })}>
                        {t('pub.chair.markUnanswered')}
                      </button>
                    </div>
                  </li>
                )}
              </For>
            </ol>
          </Show>
        </section>
      )}
    </Show>
  );
}
