/**
 * The service worker: precaches the built app (Workbox injects the manifest), answers every navigation
 * with the cached index.html so the app starts offline. A new version installs in the background and waits
 * until the user chooses to reload (the page posts 'SKIP_WAITING'), so nobody's screen changes mid-vote.
 * The very first install has nothing to wait for and takes control at once (clients.claim).
 */
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: { url: string; revision: string | null }[] };

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/sync/, /^\/health/, /^\/metrics/] }));

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
