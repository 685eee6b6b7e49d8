/** AV-2: the chair's device asks the relay's /health every 15 s and names what it says is degraded. */
const EVERY_MS = 15_000;

export function watchHealth(set: (degraded: string[]) => void): () => void {
  const check = () =>
    fetch('/health')
      .then((r) => r.json() as Promise<{ degraded?: string[] }>)
      .then((h) => set(h.degraded ?? []))
      .catch(() => set([])); // offline: the connection badge says so already
  void check();
  const timer = setInterval(check, EVERY_MS);
  return () => clearInterval(timer);
}
