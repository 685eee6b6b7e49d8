/** Ends a child process we started (Janus, coturn): SIGTERM, then SIGKILL after a grace. */
import type { ChildProcess } from 'node:child_process';

export async function stopChild(c: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((ok) => c.once('exit', () => ok()));
  c.kill('SIGTERM');
  const cut = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(cut);
}
