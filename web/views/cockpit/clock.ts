/** One shared second tick for running times (speaking time, waiting time), and how they read. */
import { createRoot, createSignal } from 'solid-js';

const [now, setNow] = createRoot(() => createSignal(Date.now()));
let timer: ReturnType<typeof setInterval> | undefined;
let users = 0;

/** The current time, updated every second while some view uses it; call the returned stop on cleanup. */
export function useNow(): [() => number, () => void] {
  if (users++ === 0) timer = setInterval(() => setNow(Date.now()), 1000);
  return [
    now,
    () => {
      if (--users === 0) clearInterval(timer);
    },
  ];
}

/** 75 000 ms → "1:15", 3 723 000 → "1:02:03". */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
