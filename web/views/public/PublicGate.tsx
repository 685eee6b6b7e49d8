/**
 * The public page of a meeting behind its gate (PUB-1, PUB-2): where the body does not allow anonymous viewing,
 * registration by e-mail for a personal access link; then the notice that recording and redistribution are
 * prohibited, which the viewer confirms. Before that confirmation nothing of the meeting is opened: no sync,
 * no stream. After it, the public meeting page, with the viewer's own revocation of the link.
 */
import { createResource, createSignal, Show } from 'solid-js';
import type { PublicInfo } from '../../../core/public-access.js';
import { lang, t } from '../../i18n/index.js';
import { accessValid, confirmNotice, heldAccess, keepAccess, noticeConfirmed, PublicError, publicInfo, register, revokeAccess } from '../../public-access.js';
import type { MeetingRoute } from '../App.js';
import { ConfirmButton } from '../cockpit/Confirm.js';
import { Header } from '../Header.js';
import { Meeting } from '../Meeting.js';
import { QuestionForm } from './QuestionForm.js';
import { when } from './when.js';

export function PublicGate(props: { route: Extract<MeetingRoute, { view: 'public' }> }) {
  const { tenant, meeting } = props.route;
  if (props.route.access) {
    keepAccess(tenant, meeting, props.route.access);
    // The personal link must not stay in the address bar or the history.
    history.replaceState(null, '', `#/public/${tenant}/${meeting}`);
  }
  const [token, setToken] = createSignal(heldAccess(tenant, meeting));
  const [info] = createResource(() => publicInfo(tenant, meeting).catch(() => undefined));
  const [valid] = createResource(token, (tok) => accessValid(tenant, meeting, tok));
  const [confirmed, setConfirmed] = createSignal(noticeConfirmed(tenant, meeting));
  // Offline with nothing known: the relay decides once it is reachable (it refuses a connection without access).
  const anonymous = () => !info.loading && (info()?.anonymous ?? true);
  const hasAccess = () => !!token() && valid() !== false;
  const mayWatch = () => anonymous() || hasAccess();
  const revoke = async () => {
    await revokeAccess(tenant, meeting, token()!).catch(() => {});
    keepAccess(tenant, meeting, undefined);
    confirmNotice(tenant, meeting, false);
    setToken(undefined);
    setConfirmed(false);
  };
  return (
    <Show when={confirmed() && mayWatch()} fallback={<Gate tenant={tenant} meeting={meeting} info={info()} loading={info.loading || valid.loading} revoked={!!token() && valid() === false} anonymous={anonymous()} mayWatch={mayWatch()} onConfirm={() => (confirmNotice(tenant, meeting, true), setConfirmed(true))} />}>
      <Meeting route={{ view: 'public', tenant, meeting, access: token() }}>
        <Show when={info()}>{(i) => <QuestionForm tenant={tenant} meeting={meeting} info={i()} />}</Show>
        <Show when={token()}>
          <section class="card" aria-labelledby="pub-own-h">
            <h2 id="pub-own-h">{t('pub.own.heading')}</h2>
            <ConfirmButton label={t('pub.own.revoke')} title={t('pub.own.revokeTitle')} consequence={t('pub.own.revokeConsequence')} confirmLabel={t('pub.own.revoke')} onConfirm={revoke} testid="revoke-access" />
          </section>
        </Show>
      </Meeting>
    </Show>
  );
}

function Gate(props: { tenant: string; meeting: string; info: PublicInfo | undefined; loading: boolean; revoked: boolean; anonymous: boolean; mayWatch: boolean; onConfirm: () => void }) {
  return (
    <>
      <Header />
      <main id="main" class="page public-gate">
        <h1 id="meeting-title">{props.info?.title || t('pub.title')}</h1>
        <Show when={props.info}>{(i) => <p>{t('pub.start', { start: when(i().start) })}</p>}</Show>
        <Show when={props.loading}>
          <p aria-busy="true">{t('loading')}</p>
        </Show>
        <Show when={!props.loading}>
          <Show when={props.revoked}>
            <p class="alert" role="alert">
              {t('pub.revoked')}
            </p>
          </Show>
          <Show when={props.info?.anonymous}>
            <p class="ok" data-testid="anonymous-allowed">
              {t('pub.anonymous')}
            </p>
          </Show>
          <Show when={!props.mayWatch && props.info}>{(i) => <Registration tenant={props.tenant} meeting={props.meeting} info={i()} />}</Show>
          <Show when={props.mayWatch}>
            <section class="card notice" aria-labelledby="pub-notice-h" data-testid="recording-notice">
              <h2 id="pub-notice-h">{t('pub.notice.heading')}</h2>
              <p>{t('pub.notice.text')}</p>
              <button type="button" class="primary" onClick={() => props.onConfirm()}>
                {t('pub.notice.confirm')}
              </button>
            </section>
          </Show>
          <Show when={props.info}>{(i) => <QuestionForm tenant={props.tenant} meeting={props.meeting} info={i()} />}</Show>
        </Show>
      </main>
    </>
  );
}

/** PUB-1: registration by e-mail; the access link arrives by mail. */
function Registration(props: { tenant: string; meeting: string; info: PublicInfo }) {
  const [email, setEmail] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [outcome, setOutcome] = createSignal<{ ok: boolean; text: string }>();
  const w = () => props.info.registration;
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(undefined);
    try {
      await register(props.tenant, props.meeting, email().trim());
      setOutcome({ ok: true, text: t('pub.reg.sent', { email: email().trim() }) });
    } catch (err) {
      const de = err instanceof PublicError && lang() === 'de' ? err.de : undefined;
      setOutcome({ ok: false, text: t('pub.reg.refused', { reason: de ?? (err as Error).message }) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="pub-reg-h" data-testid="registration">
      <h2 id="pub-reg-h">{t('pub.reg.heading')}</h2>
      <p>{t('pub.reg.why')}</p>
      <Show when={w().open} fallback={<p class="alert" role="alert">{t('pub.reg.closed', { until: w().until === null ? '–' : when(w().until!) })}</p>}>
        <p>{t('pub.reg.until', { until: when(w().until!) })}</p>
        <form onSubmit={send}>
          <label for="pub-reg-email">{t('pub.reg.email')}</label>
          <input id="pub-reg-email" type="email" autocomplete="email" required maxLength={254} value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
          <button type="submit" disabled={busy()}>
            {t('pub.reg.submit')}
          </button>
        </form>
      </Show>
      <div aria-live="polite">
        <Show when={outcome()}>
          {(o) => (
            <p class={o().ok ? 'ok' : 'alert'} role={o().ok ? 'status' : 'alert'} data-testid="registration-outcome">
              {o().text}
            </p>
          )}
        </Show>
      </div>
    </section>
  );
}
