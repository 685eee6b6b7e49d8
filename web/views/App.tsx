/** Hash routes: #/m/<tenant>/<meeting>[?device=&fp=] (device), #/public/<tenant>/<meeting> (public). */
import { createSignal, Match, onCleanup, Switch } from 'solid-js';
import { t } from '../i18n/index.js';
import { Header } from './Header.js';
import { Meeting } from './Meeting.js';

export type Route =
  | { view: 'device'; tenant: string; meeting: string; join?: { seed: string; fp: string } }
  | { view: 'public'; tenant: string; meeting: string }
  | { view: 'none' };

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const [, kind, tenant, meeting] = path.split('/');
  if (!tenant || !meeting || !ID.test(tenant) || !ID.test(meeting)) return { view: 'none' };
  if (kind === 'public') return { view: 'public', tenant, meeting };
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
          </main>
        </>
      }
    >
      <Match when={route().view !== 'none' && (route() as Exclude<Route, { view: 'none' }>)} keyed>
        {(r) => <Meeting route={r} />}
      </Match>
    </Switch>
  );
}
