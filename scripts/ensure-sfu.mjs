#!/usr/bin/env node
/**
 * `npm start` runs this first: the SFU (Debian's janus) and TURN (coturn) are what video needs. Where they
 * are missing and this runs as root on Debian, it installs them (apt-get, --no-install-recommends, never
 * their system services: the relay starts its own instances); otherwise it says how, and the relay runs
 * video in its fallback mode. RATSRAUM_NO_INSTALL=1 skips the install.
 */
import { spawnSync } from 'node:child_process';

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const missing = [has('janus') ? null : 'janus', has('turnserver') ? null : 'coturn'].filter(Boolean);
if (missing.length === 0) process.exit(0);
const root = process.getuid?.() === 0;
if (process.env.RATSRAUM_NO_INSTALL === '1' || !root || !has('apt-get')) {
  console.log(`Video: ${missing.join(' und ')} fehlt; Installation: apt-get install -y --no-install-recommends ${missing.join(' ')} (bis dahin Ausweichbetrieb ohne SFU)`);
  process.exit(0);
}
console.log(`Video: installiere ${missing.join(', ')} (apt-get) …`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
if (!(run(['install', '-y', '--no-install-recommends', ...missing]) || (run(['update']) && run(['install', '-y', '--no-install-recommends', ...missing]))))
  console.log('Video: Installation fehlgeschlagen; Ausweichbetrieb ohne SFU');
// The packages enable their own system services where systemd runs; ours must not compete with them.
if (has('systemctl')) for (const s of ['janus', 'coturn']) spawnSync('systemctl', ['disable', '--now', s], { stdio: 'ignore' });
