/** Login with the second factor (SEC-3): the device signs the relay's challenge, the member types the app's code. */
import { createSignal, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import { login } from '../identity.js';

export function LoginForm(props: { tenant: string; onDone: () => void; reason?: string }) {
  const [code, setCode] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await login(props.tenant, code().replace(/\s/g, ''));
      setCode('');
      props.onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="login-h" data-testid="login">
      <h2 id="login-h">{t('login.heading')}</h2>
      <Show when={props.reason}>
        <p>{props.reason}</p>
      </Show>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label for="login-code">{t('login.code')}</label>
        <input id="login-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
        <button type="submit" class="primary" disabled={busy()} aria-busy={busy()}>
          {t('login.submit')}
        </button>
      </form>
    </section>
  );
}
