/** Entry point: language, service worker, app. */
import { render } from 'solid-js/web';
import { lang } from './i18n/index.js';
import { App } from './views/App.js';
import './styles.css';

document.documentElement.lang = lang();
if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn(`service worker: ${e}`));
}
render(() => <App />, document.getElementById('root')!);
