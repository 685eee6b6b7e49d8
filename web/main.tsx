/** Entry point: language, service worker, app. */
import { render } from 'solid-js/web';
import { lang } from './i18n/index.js';
import { listenForInstall, registerServiceWorker } from './pwa.js';
import { checkStorage } from './platform.js';
import { App } from './views/App.js';
import { StorageNotice } from './views/StorageNotice.js';
import { pruneDevice } from './retention.js';
import './styles.css';

document.documentElement.lang = lang();
registerServiceWorker();
void checkStorage();
listenForInstall();
render(
  () => (
    <>
      <StorageNotice />
      <App />
    </>
  ),
  document.getElementById('root')!,
);
// DS-2: what this device holds past its period goes, at start and every hour.
const prune = () => void pruneDevice().catch(() => {});
prune();
setInterval(prune, 3_600_000);
