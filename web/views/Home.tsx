/**
 * A tenant's start page: the public sees the meetings to follow (#/public/<tenant>, or a device that is not
 * enrolled); a member logs in with the code when needed and then opens the meetings.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import { currentSession, meetingsOf, tenantDevice } from '../identity.js';
import { CheckLink } from './check/CheckLink.js';
import { Header } from './Header.js';
import { LoginForm } from './Login.js';
import { when } from './Overview.js';

type Meetings = Awaited<ReturnType<typeof meetingsOf>>['meetings'];

function MeetingList(props: { tenant: string; meetings: Meetings | undefined; href: (id: string) => string; testid: string }) {
  return (
    <ul class="meetings" data-testid={props.testid}>
      <For each={props.meetings ?? []} fallback={<li class="muted">{t('home.noMeetings')}</li>}>
        {(m) => (
          <li>
            <a href={props.href(m.id)}>{m.title}</a>
            <span class="muted">
              {m.body} · <time dateTime={new Date(m.start).toISOString()}>{when(m.start)}</time>
            </span>
          </li>
        )}
      </For>
    </ul>
  );
}

export function PublicMeetings(props: { tenant: string }) {
  const [meetings] = createResource(() => meetingsOf(props.tenant).then((r) => r.meetings));
  return (
    <section class="card" aria-labelledby="public-h">
      <h2 id="public-h">{t('home.public')}</h2>
      <p class="muted">{t('home.publicHint')}</p>
      <Show when={!meetings.loading} fallback={<p aria-busy="true">{t('loading')}</p>}>
        <MeetingList tenant={props.tenant} meetings={meetings()} href={(id) => `#/public/${props.tenant}/${id}`} testid="public-meetings" />
      </Show>
      <CheckLink />
    </section>
  );
}

export function Home(props: { tenant: string; public?: boolean }) {
  const [tick, setTick] = createSignal(0);
  const [info] = createResource(tick, async () => ({ device: await tenantDevice(props.tenant), session: await currentSession(props.tenant) }));
  const [meetings] = createResource(
    () => info()?.session,
    () => meetingsOf(props.tenant).then((r) => r.meetings),
  );
  return (
    <>
      <Header />
      <main id="main" class="page narrow">
        <Show when={!props.public} fallback={<h1>{t('home.public')}</h1>}>
          <h1>{t('home.heading')}</h1>
        </Show>
        <Show when={!props.public} fallback={<PublicMeetings tenant={props.tenant} />}>
          <Show when={info()} fallback={<p aria-busy="true">{t('loading')}</p>}>
            {(i) => (
              <Show
                when={i().device}
                fallback={
                  <>
                    <p class="alert" role="alert">
                      {t('home.notEnrolled')}
                    </p>
                    <PublicMeetings tenant={props.tenant} />
                  </>
                }
              >
                <Show when={i().session} fallback={<LoginForm tenant={props.tenant} onDone={() => setTick(tick() + 1)} />}>
                  {(s) => (
                    <section class="card" aria-labelledby="meetings-h">
                      <p class="ok" role="status">
                        {t('home.loggedIn', { until: when(s().expires) })}
                      </p>
                      <h2 id="meetings-h">{t('home.meetings')}</h2>
                      <MeetingList tenant={props.tenant} meetings={meetings()} href={(id) => `#/m/${props.tenant}/${id}`} testid="meetings" />
                    </section>
                  )}
                </Show>
              </Show>
            )}
          </Show>
        </Show>
      </main>
    </>
  );
}
