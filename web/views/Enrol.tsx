/**
 * Enrolment on the member's own device (SEC-3): check the municipality's key against the invitation, make
 * the device key, set up the authenticator app by QR code, prove a first code, wait for the certificate.
 */
import QRCode from 'qrcode';
import { createSignal, Match, onCleanup, Show, Switch } from 'solid-js';
import { fromHex } from '../../crypto/bytes.js';
import { fingerprint } from '../../crypto/hash.js';
import { t } from '../i18n/index.js';
import { beginEnrolment, confirmEnrolment, enrolmentStatus } from '../identity.js';
import { Header } from './Header.js';

type Step = { at: 'intro' } | { at: 'code'; device: string; name: string; qr: string; secret: string } | { at: 'awaiting'; device: string } | { at: 'done' } | { at: 'revoked' };

export function Enrol(props: { tenant: string; token: string; fp: string }) {
  const [step, setStep] = createSignal<Step>({ at: 'intro' });
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [code, setCode] = createSignal('');
  let poll: ReturnType<typeof setInterval> | undefined;
  onCleanup(() => clearInterval(poll));

  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const start = () =>
    run(async () => {
      const r = await beginEnrolment(props.tenant, props.token, props.fp);
      const qr = await QRCode.toDataURL(r.uri, { margin: 2, width: 240, errorCorrectionLevel: 'M' });
      setStep({ at: 'code', device: r.device, name: r.name, qr, secret: r.secret });
    });
  const wait = (device: string) => {
    setStep({ at: 'awaiting', device });
    const check = async () => {
      const s = await enrolmentStatus(props.tenant, device).catch(() => undefined);
      if (s?.state === 'issued' || s?.state === 'revoked') {
        clearInterval(poll);
        setStep({ at: s.state === 'issued' ? 'done' : 'revoked' });
        history.replaceState(null, '', `#/enrol/${props.tenant}/done`); // the used invitation token leaves the address bar
      }
    };
    void check();
    poll = setInterval(check, 2000);
  };
  const confirm = (device: string) =>
    run(async () => {
      await confirmEnrolment(props.tenant, props.token, device, code().replace(/\s/g, ''));
      wait(device);
    });

  return (
    <>
      <Header />
      <main id="main" class="page narrow">
        <h1>{t('enrol.heading')}</h1>
        <Show when={error()}>
          <p class="alert" role="alert">
            {error()}
          </p>
        </Show>
        <Switch>
          <Match when={step().at === 'intro'}>
            <section class="card">
              <p>{t('enrol.intro')}</p>
              <p class="muted">{t('enrol.fingerprint', { fp: props.fp.replace(/(.{4})/g, '$1 ').trim() })}</p>
              <button type="button" class="primary" disabled={busy()} aria-busy={busy()} onClick={start}>
                {t('enrol.start')}
              </button>
            </section>
          </Match>
          <Match when={step().at === 'code' && (step() as Extract<Step, { at: 'code' }>)} keyed>
            {(s) => (
              <section class="card" aria-labelledby="totp-h">
                <h2 id="totp-h">{t('enrol.totpHeading', { name: s.name })}</h2>
                <ol class="steps">
                  <li>{t('enrol.step1')}</li>
                  <li>{t('enrol.step2')}</li>
                  <li>{t('enrol.step3')}</li>
                </ol>
                <img class="qr" src={s.qr} width="240" height="240" alt={t('enrol.qrAlt')} />
                <p>
                  {t('enrol.manual')} <code data-testid="totp-secret">{s.secret}</code>
                </p>
                <form
                  class="row"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void confirm(s.device);
                  }}
                >
                  <label for="enrol-code">{t('login.code')}</label>
                  <input id="enrol-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
                  <button type="submit" class="primary" disabled={busy()}>
                    {t('enrol.confirm')}
                  </button>
                </form>
              </section>
            )}
          </Match>
          <Match when={step().at === 'awaiting' && (step() as Extract<Step, { at: 'awaiting' }>)} keyed>
            {(s) => (
              <section class="card" role="status" data-testid="enrol-awaiting">
                <p>{t('enrol.awaiting')}</p>
                <p>
                  {t('enrol.deviceFp')} <strong>{fingerprint(fromHex(s.device, 32))}</strong>
                </p>
              </section>
            )}
          </Match>
          <Match when={step().at === 'done'}>
            <section class="card" role="status" data-testid="enrol-done">
              <p class="ok">{t('enrol.done')}</p>
              <a class="button primary" href={`#/home/${props.tenant}`}>
                {t('enrol.toLogin')}
              </a>
            </section>
          </Match>
          <Match when={step().at === 'revoked'}>
            <p class="alert" role="alert">
              {t('login.revoked')}
            </p>
          </Match>
        </Switch>
      </main>
    </>
  );
}
