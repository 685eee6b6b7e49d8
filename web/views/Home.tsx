/** A member's start page for a tenant: log in with the code when needed, then the meetings to open. */
import { createResource, createSignal, For, Show } from 'solid-js';
import { lang, t } from '../i18n/index.js';
import { currentSession, meetingsOf, tenantDevice } from '../identity.js';
import { Header } from './Header.js';
import { LoginForm } from './Login.js';

export function Home(props: { tenant: string }) {
  const [tick, setTick] = createSignal(0);
  const [info] = createResource(tick, async () => ({ device: await tenantDevice(props.tenant), session: await currentSession(props.tenant) }));
  const [meetings] = createResource(
    () => info()?.session,
    () => meetingsOf(props.tenant).then((r) => r.meetings),
  );
  const when = (ms: number) => new Date(ms).toLocaleString(lang() === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <>
      <Header />
      <main id="main" class="page narrow">
        <h1>{t('home.heading')}</h1>
        <Show when={info()} fallback={<p aria-busy="true">{t('loading')}</p>}>
          {(i) => (
            <Show when={i().device} fallback={<p class="alert" role="alert">{t('home.notEnrolled')}</p>}>
              <Show when={i().session} fallback={<LoginForm tenant={props.tenant} onDone={() => setTick(tick() + 1)} />}>
                {(s) => (
                  <section class="card" aria-labelledby="meetings-h">
                    <p class="ok" role="status">
                      {t('home.loggedIn', { until: when(s().expires) })}
                    </p>
                    <h2 id="meetings-h">{t('home.meetings')}</h2>
                    <ul class="people" data-testid="meetings">
                      <For each={meetings() ?? []} fallback={<li class="muted">{t('home.noMeetings')}</li>}>
                        {(m) => (
                          <li>
                            <a href={`#/m/${props.tenant}/${m.id}`}>{m.title}</a> <span class="muted">({m.body}, {when(m.start)})</span>
                          </li>
                        )}
                      </For>
                    </ul>
                  </section>
                )}
              </Show>
            </Show>
          )}
        </Show>
      </main>
    </>
  );
}
