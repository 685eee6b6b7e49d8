/**
 * What the browser engine offers for a device that holds a session's log for hours (issue 16), detected
 * rather than assumed: IndexedDB (missing or refused in some private windows), persistent storage (asked for
 * where `navigator.storage.persist` exists, so the browser does not evict the log under storage pressure;
 * WebKitGTK and older Safari lack it) and the screen wake lock (a phone on the speaker's stand stays on where
 * `navigator.wakeLock` exists and the page is visible). The states are on <html> as data-storage and
 * data-wake-lock, for tests and support.
 */
import { createSignal } from 'solid-js';

export type Storage = 'checking' | 'persistent' | 'best-effort' | 'unavailable';
const [storage, setStorage] = createSignal<Storage>('checking');
/** Whether this device can keep the log: 'unavailable' means nothing survives a reload. */
export const storageState = storage;

const mark = (name: 'storage' | 'wakeLock', v: string) => (document.documentElement.dataset[name] = v);

function idbWorks(): Promise<boolean> {
  return new Promise((ok) => {
    try {
      if (typeof indexedDB === 'undefined') return ok(false);
      const r = indexedDB.open('ratsraum-probe');
      r.onsuccess = () => (r.result.close(), indexedDB.deleteDatabase('ratsraum-probe'), ok(true));
      r.onerror = () => ok(false);
      r.onblocked = () => ok(true);
    } catch {
      ok(false);
    }
  });
}

const set = (s: Storage) => (setStorage(s), mark('storage', s));

export async function checkStorage(): Promise<void> {
  if (!(await idbWorks())) {
    set('unavailable');
    console.warn('storage: IndexedDB is not available (private window?): entries are not kept');
    return;
  }
  set('best-effort');
  // Firefox asks the user, and the answer may never come: the app does not wait for it.
  const m = (navigator as Partial<Navigator>).storage;
  if (m?.persist) void (m.persisted?.() ?? Promise.resolve(false)).then((p) => p || m.persist!()).then((p) => p && set('persistent'), () => undefined);
}

/** Keeps the screen on while the meeting page is open, where the engine can; returns the release. */
export function keepScreenOn(): () => void {
  const wl = (navigator as Partial<Navigator>).wakeLock;
  if (!wl) {
    mark('wakeLock', 'unavailable');
    return () => undefined;
  }
  let sentinel: WakeLockSentinel | undefined;
  let stopped = false;
  const acquire = () => {
    if (stopped || document.visibilityState !== 'visible') return;
    mark('wakeLock', 'requested'); // an engine may leave the request pending (headless, no screen)
    wl.request('screen').then(
      (s) => {
        sentinel = s;
        mark('wakeLock', 'held');
        s.addEventListener('release', () => !stopped && mark('wakeLock', 'released'));
      },
      () => mark('wakeLock', 'refused'),
    );
  };
  // The engine drops the lock when the page is hidden; it is asked for again when the page is back.
  document.addEventListener('visibilitychange', acquire);
  acquire();
  return () => {
    stopped = true;
    document.removeEventListener('visibilitychange', acquire);
    void sentinel?.release().catch(() => undefined);
  };
}
