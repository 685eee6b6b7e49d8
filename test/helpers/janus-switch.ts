/**
 * A Janus the test can keep from starting (DIS-5 tests): a wrapper script that the relay runs as its janus
 * binary. While `down(true)` holds, every start exits at once with 1, as a broken installation would; else it
 * `exec`s the real Janus (same pid, so the relay supervises Janus itself). `--version` always answers.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface JanusSwitch {
  binary: string;
  down(on: boolean): void;
  isDown(): boolean;
  remove(): void;
}

export function janusSwitch(): JanusSwitch {
  const dir = mkdtempSync(join(tmpdir(), 'rr-janus-switch-'));
  const flag = join(dir, 'fails');
  const binary = join(dir, 'janus');
  writeFileSync(binary, `#!/bin/sh\n[ "$1" != "--version" ] && [ -e ${JSON.stringify(flag)} ] && exit 1\nexec janus "$@"\n`);
  chmodSync(binary, 0o755);
  return {
    binary,
    down: (on) => (on ? writeFileSync(flag, '') : rmSync(flag, { force: true })),
    isDown: () => existsSync(flag),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether a process still exists (a killed Janus is gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
