/**
 * The app as an installed PWA: service worker registration, the update prompt (a new version waits, see
 * sw/sw.ts, until the user presses "Neu laden"; entries made meanwhile are already in IndexedDB, so the
 * reload loses nothing) and the browser's install offer as a button of our own.
 */
import { createSignal } from 'solid-js';

const [waiting, setWaiting] = createSignal<ServiceWorker>();
/** The installed new version waiting for the user's consent, if any. */
export const updateReady = waiting;

let applying = false;

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return;
  const sw = navigator.serviceWorker;
  // A new version only counts as an update when a page is already controlled by an older one.
  const watch = (w: ServiceWorker | null) => {
    if (!w) return;
    const check = () => w.state === 'installed' && sw.controller && setWaiting(w);
    check();
    w.addEventListener('statechange', check);
  };
  sw.register('/sw.js')
    .then((reg) => {
      watch(reg.waiting);
      reg.addEventListener('updatefound', () => watch(reg.installing));
      // Sessions last hours: look for a new version now and then, not only on navigation.
      setInterval(() => void reg.update().catch(() => undefined), 60 * 60 * 1000);
    })
    .catch((e) => console.warn(`service worker: ${e}`));
  sw.addEventListener('controllerchange', () => {
    if (applying) location.reload();
  });
}

/** Activates the waiting version; the page reloads when it has taken control. */
export function applyUpdate(): void {
  const w = waiting();
  if (!w) return;
  applying = true;
  w.postMessage({ type: 'SKIP_WAITING' });
}

/** Chromium's install offer (not in the DOM typings). */
interface InstallPrompt extends Event {
  prompt(): Promise<void>;
}

const [installOffer, setInstallOffer] = createSignal<InstallPrompt>();
/** Whether the browser offers to install the app right now. */
export const installable = () => !!installOffer();

export function listenForInstall(): void {
  addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    setInstallOffer(e as InstallPrompt);
  });
  addEventListener('appinstalled', () => setInstallOffer(undefined));
}

/** Shows the browser's install dialog (each offer can be used once). */
export function install(): void {
  const offer = installOffer();
  setInstallOffer(undefined);
  offer?.prompt().catch((e) => console.warn(`install: ${e}`));
}
