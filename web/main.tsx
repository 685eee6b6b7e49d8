/** Entry point: language, service worker, app. */
import { render } from 'solid-js/web';
import { lang } from './i18n/index.js';
import { listenForInstall, registerServiceWorker } from './pwa.js';
import { App } from './views/App.js';
import './styles.css';

document.documentElement.lang = lang();
registerServiceWorker();
listenForInstall();
render(() => <App />, document.getElementById('root')!);
