/**
 * A relay in a process of its own, so that a test can kill it with SIGKILL (the data centre gone, DIS-5): the
 * options go to `startRelay` as JSON; its Janus, if any, dies with it (setpriv's parent-death signal).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { RelayOptions } from '../../relay/server.js';

/** Resolves once the relay listens. */
export function relayProcess(o: RelayOptions): Promise<ChildProcess> {
  const code = `import('./relay/server.ts').then(m => m.startRelay(${JSON.stringify(o)})).then(() => console.log('ready'))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok) => child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && ok(child)));
}

/** SIGKILL, resolved once the process is gone. */
export const killProcess = (c: ChildProcess) =>
  new Promise<void>((ok) => {
    if (c.exitCode !== null || c.signalCode !== null) return ok();
    c.once('exit', () => ok());
    c.kill('SIGKILL');
  });
