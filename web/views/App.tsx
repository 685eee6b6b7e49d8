/**
 * Hash routes: #/m/<tenant>/<meeting>[?device=&fp=] (device), #/public/<tenant>/<meeting> (public),
 * #/enrol/<tenant>/<token>?fp= (invitation link), #/home/<tenant> (login, meetings), #/admin/<tenant>[?key=&fp=],
 * #/setup/<tenant>/<token> (a new tenant's one-time setup link), #/check (anyone checks a downloaded record),
 * #/public/<tenant>/<meeting>?access= (a personal access link), #/saal/<tenant>/<meeting>[?access=] (room display).
 */
import { createSignal, Match, onCleanup, Switch } from 'solid-js';
import { t } from '../i18n/index.js';
import { Admin } from './admin/Admin.js';
import { TenantSetup } from './admin/TenantSetup.js';
import { Check } from './check/Check.js';
import { CheckLink } from './check/CheckLink.js';
import { Enrol } from './Enrol.js';
import { Header } from './Header.js';
import { Home } from './Home.js';
import { Meeting } from './Meeting.js';
import { MinutesPage } from './minutes/MinutesPage.js';
import { Kiosk } from './public/Kiosk.js';
import { PublicGate } from './public/PublicGate.js';

export type MeetingRoute = { view: 'device'; tenant: string; meeting: string; join?: { seed: string; fp: string } } | { view: 'public'; tenant: string; meeting: string; access?: string };
export type Route =
  | MeetingRoute
  | { view: 'enrol'; tenant: string; token: string; fp: string }
  | { view: 'home'; tenant: string; public?: boolean }
  | { view: 'admin'; tenant: string; join?: { key: string; fp: string } }
  | { view: 'setup'; tenant: string; token: string }
  | { view: 'minutes'; tenant: string; meeting: string }
  | { view: 'check' }
  | { view: 'kiosk'; tenant: string; meeting: string; access?: string }
  | { view: 'none' };

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const [, kind, tenant, meeting] = path.split('/');
  const q0 = new URLSearchParams(query);
  if (kind === 'check' && !tenant) return { view: 'check' };
  if (tenant && ID.test(tenant)) {
    const fp = q0.get('fp');
    const key = q0.get('key');
    if (kind === 'home') return { view: 'home', tenant };
    if (kind === 'public' && !meeting) return { view: 'home', tenant, public: true };
    if (kind === 'admin') return { view: 'admin', tenant, join: key && fp && /^[0-9a-f]{64}$/.test(key) && /^[0-9a-f]{32}$/.test(fp) ? { key, fp } : undefined };
    if (kind === 'enrol' && meeting === 'done') return { view: 'home', tenant };
    if (kind === 'setup' && meeting === 'done') return { view: 'admin', tenant };
    if (kind === 'setup' && meeting && /^[A-Za-z0-9_-]{20,100}$/.test(meeting)) return { view: 'setup', tenant, token: meeting };
    if (kind === 'enrol' && meeting && /^[A-Za-z0-9_-]{20,100}$/.test(meeting) && fp && /^[0-9a-f]{32}$/.test(fp)) return { view: 'enrol', tenant, token: meeting, fp };
  }
  if (!tenant || !meeting || !ID.test(tenant) || !ID.test(meeting)) return { view: 'none' };
  // PUB-1: the personal access link from the registration mail (`?access=`); PUB-3: the room display.
  const access = /^[A-Za-z0-9_-]{20,100}$/.test(q0.get('access') ?? '') ? q0.get('access')! : undefined;
  if (kind === 'public') return { view: 'public', tenant, meeting, ...(access ? { access } : {}) };
  if (kind === 'saal') return { view: 'kiosk', tenant, meeting, ...(access ? { access } : {}) };
  if (kind === 'minutes') return { view: 'minutes', tenant, meeting };
  if (kind !== 'm') return { view: 'none' };
  const q = new URLSearchParams(query);
  const seed = q.get('device');
  const fp = q.get('fp');
  return { view: 'device', tenant, meeting, join: seed && fp && /^[0-9a-f]{64}$/.test(seed) && /^[0-9a-f]{32}$/.test(fp) ? { seed, fp } : undefined };
}

export function App() {
  const [route, setRoute] = createSignal(parseRoute(location.hash));
  const onHash = () => setRoute(parseRoute(location.hash));
  window.addEventListener('hashchange', onHash);
  onCleanup(() => window.removeEventListener('hashchange', onHash));
  return (
    <Switch
      fallback={
        <>
          <Header />
          <main id="main" class="page">
            <h1>{t('appName')}</h1>
            <p>{t('route.hint')}</p>
            <CheckLink />
          </main>
        </>
      }
    >
      <Match when={route().view === 'check'}>
        <Check />
      </Match>
      <Match when={route().view === 'enrol' && (route() as Extract<Route, { view: 'enrol' }>)} keyed>
        {(r) => <Enrol tenant={r.tenant} token={r.token} fp={r.fp} />}
      </Match>
      <Match when={route().view === 'home' && (route() as Extract<Route, { view: 'home' }>)} keyed>
        {(r) => <Home tenant={r.tenant} public={r.public} />}
      </Match>
      <Match when={route().view === 'setup' && (route() as Extract<Route, { view: 'setup' }>)} keyed>
        {(r) => <TenantSetup tenant={r.tenant} token={r.token} />}
      </Match>
      <Match when={route().view === 'admin' && (route() as Extract<Route, { view: 'admin' }>)} keyed>
        {(r) => <Admin tenant={r.tenant} join={r.join} />}
      </Match>
      <Match when={route().view === 'device' && (route() as MeetingRoute)} keyed>
        {(r) => <Meeting route={r} />}
      </Match>
      <Match when={route().view === 'public' && (route() as Extract<MeetingRoute, { view: 'public' }>)} keyed>
        {(r) => <PublicGate route={r} />}
      </Match>
      <Match when={route().view === 'kiosk' && (route() as Extract<Route, { view: 'kiosk' }>)} keyed>
        {(r) => <Kiosk tenant={r.tenant} meeting={r.meeting} access={r.access} />}
      </Match>
      <Match when={route().view === 'minutes' && (route() as Extract<Route, { view: 'minutes' }>)} keyed>
        {(r) => <MinutesPage tenant={r.tenant} meeting={r.meeting} />}
      </Match>
    </Switch>
  );
}
