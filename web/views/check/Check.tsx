/**
 * #/check: anyone checks a downloaded session record (`ratsraum export`, or the public export of a meeting)
 * in this browser, offline too, and gets the verdict of `ratsraum verify`: file input or drag and drop, the
 * tenant key's fingerprint to compare (optional, like --tenant-key), minutes to compare with the record
 * (optional, like --minutes), a progress bar while a worker verifies.
 */
import { createSignal, Show } from 'solid-js';
import type { VerifyProgress } from '../../../core/export.js';
import { t } from '../../i18n/index.js';
import { Header } from '../Header.js';
import { CheckResult } from './Result.js';
import { type CheckOutcome, runCheck } from './run.js';

const FINGERPRINT = /^[0-9a-f]{32}$/i;

export function Check() {
  const [file, setFile] = createSignal<File | null>(null);
  const [minutes, setMinutes] = createSignal<File | null>(null);
  const [key, setKey] = createSignal('');
  const [progress, setProgress] = createSignal<VerifyProgress | null>(null);
  const [outcome, setOutcome] = createSignal<CheckOutcome | null>(null);
  const [failure, setFailure] = createSignal<string | null>(null);
  const [hint, setHint] = createSignal<string | null>(null);
  const keyValid = () => key().trim() === '' || FINGERPRINT.test(key().replace(/\s/g, ''));

  const check = async () => {
    const f = file();
    setHint(null);
    if (!f) return setHint(t('check.noFile'));
    if (!keyValid()) return setHint(t('check.keyInvalid'));
    setOutcome(null);
    setFailure(null);
    setProgress({ step: 'signatures', done: 0, total: 1 });
    try {
      setOutcome(await runCheck({ file: f, tenantKey: key().trim() || undefined, minutes: minutes() ?? undefined }, setProgress));
    } catch (e) {
      setFailure((e as Error).message);
    } finally {
      setProgress(null);
    }
  };
  const choose = (f: File | undefined | null) => {
    if (!f) return;
    setFile(f);
    void check();
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    choose(e.dataTransfer?.files[0]);
  };

  return (
    <>
      <Header />
      <main id="main" class="page narrow">
        <h1>{t('check.heading')}</h1>
        <p>{t('check.intro')}</p>
        <form
          class="card"
          data-testid="check-form"
          onSubmit={(e) => {
            e.preventDefault();
            void check();
          }}
        >
          <div class="dropzone" data-testid="dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
            <p>
              <label for="check-file">{t('check.file')}</label>
              <br />
              <input id="check-file" type="file" accept="application/json,.json" aria-describedby="check-drop" onChange={(e) => choose(e.currentTarget.files?.[0])} />
            </p>
            <p id="check-drop" class="muted">
              {t('check.drop')}
            </p>
          </div>
          <p>
            <label for="check-minutes">{t('check.minutesFile')}</label>
            <br />
            <input id="check-minutes" type="file" accept="application/pdf,.pdf,application/json,.json" aria-describedby="check-minutes-hint" onChange={(e) => setMinutes(e.currentTarget.files?.[0] ?? null)} />
            <br />
            <span id="check-minutes-hint" class="muted">
              {t('check.minutesHint')}
            </span>
          </p>
          <p>
            <label for="check-key">{t('check.key')}</label>
            <br />
            <input id="check-key" type="text" inputmode="text" autocomplete="off" spellcheck={false} size={44} value={key()} aria-describedby="check-key-hint" aria-invalid={!keyValid()} onInput={(e) => setKey(e.currentTarget.value)} />
            <br />
            <span id="check-key-hint" class="muted">
              {t('check.keyHint')}
            </span>
          </p>
          <button type="submit" disabled={progress() !== null}>
            {t('check.start')}
          </button>
          <Show when={hint()}>
            {(h) => (
              <p class="alert" role="alert">
                {h()}
              </p>
            )}
          </Show>
        </form>
        <Show when={progress()}>
          {(p) => (
            <p class="verify" role="status" data-testid="check-progress" data-step={p().step}>
              <label for="check-progress">{t('check.progress', { step: t(`check.step.${p().step}`, { done: p().done, total: p().total }) })}</label>{' '}
              <progress id="check-progress" max={p().total} value={p().done} />
            </p>
          )}
        </Show>
        <Show when={outcome()} keyed>
          {(o) => (
            <Show
              when={o.kind === 'done' && o}
              keyed
              fallback={
                <p class="alert" role="alert" data-testid="check-result" data-verdict="unreadable">
                  {t('check.verdict.unreadable', { message: (o as Extract<CheckOutcome, { kind: 'unreadable' }>).message })}
                </p>
              }
            >
              {(d) => <CheckResult s={d.summary} file={file()?.name ?? ''} />}
            </Show>
          )}
        </Show>
        <Show when={failure()}>
          {(f) => (
            <p class="alert" role="alert">
              {t('check.failedToRun', { message: f() })}
            </p>
          )}
        </Show>
      </main>
    </>
  );
}
