/**
 * The one-time setup link of `ratsraum tenant create`: this browser generates the tenant key (non-extractable
 * where WebCrypto allows), registers only its public key with the relay, and shows its fingerprint. From then
 * on it is the administration's console (finding 10: the trust anchor never comes from the relay).
 */
import { createResource, createSignal, Show } from 'solid-js';
import { t } from '../../i18n/index.js';
import { setupInfo, setupTenant } from '../../identity.js';
import { Header } from '../Header.js';

export function TenantSetup(props: { tenant: string; token: string }) {
  const [info] = createResource(() => setupInfo(props.tenant, props.token));
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [done, setDone] = createSignal<{ name: string; fingerprint: string }>();
  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setDone(await setupTenant(props.tenant, props.token));
      history.replaceState(null, '', `#/setup/${props.tenant}/done`); // the used token leaves the address bar
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Header who={t('admin.who')} />
      <main id="main" class="page narrow">
        <h1>{t('setup.heading')}</h1>
        <Show
          when={done()}
          fallback={
            <Show when={info.state !== 'errored'} fallback={<p class="alert" role="alert">{(info.error as Error).message}</p>}>
              <Show when={info()} fallback={<p aria-busy="true">{t('loading')}</p>}>
                {(i) => (
                  <section class="card">
                    <p>{t('setup.intro', { name: i().name, tenant: props.tenant })}</p>
                    <button type="button" class="primary" disabled={busy()} aria-busy={busy()} aria-describedby="setup-error" onClick={create}>
                      {t('setup.start')}
                    </button>
                    <p id="setup-error" class="alert" role="alert" hidden={!error()}>
                      {error()}
                    </p>
                  </section>
                )}
              </Show>
            </Show>
          }
        >
          {(d) => (
            <section class="card" role="status" data-testid="setup-done">
              <p class="ok">{t('setup.done', { name: d().name })}</p>
              <p>
                {t('setup.fingerprint')} <strong class="mono" data-testid="tenant-fingerprint">{d().fingerprint}</strong>
              </p>
              <p>{t('setup.fingerprintHint')}</p>
              <p class="muted">{t('setup.keep')}</p>
              <a class="button primary" href={`#/admin/${props.tenant}`}>
                {t('setup.toAdmin')}
              </a>
            </section>
          )}
        </Show>
      </main>
    </>
  );
}
