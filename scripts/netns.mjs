#!/usr/bin/env node
/**
 * Runs a command in a network namespace of its own (`unshare --net`): loopback plus a veth pair
 * `rr0`/`rr1` with 10.99.0.1/24 on `rr0`. Janus skips loopback interfaces when it gathers ICE candidates
 * (VIDEO-NOTES.md), so the tests' SFU and browsers meet on `rr0`, and no test packet can leave this
 * machine. Inside, RATSRAUM_ICE_INTERFACE=rr0 and RATSRAUM_ICE_IP=10.99.0.1 tell the tests where.
 * Where namespaces cannot be made (no CAP_SYS_ADMIN), it says so and runs the command as it is.
 */
import { spawnSync } from 'node:child_process';

const cmd = process.argv.slice(2);
if (cmd.length === 0) {
  console.error('usage: node scripts/netns.mjs <command> [args…]');
  process.exit(2);
}
if (process.env.RATSRAUM_ICE_INTERFACE) {
  // Already inside.
  process.exit(spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' }).status ?? 1);
}
const setup = [
  'set -e',
  'ip link set lo up',
  'ip link add rr0 type veth peer name rr1',
  'ip addr add 10.99.0.1/24 dev rr0',
  'ip link set rr1 up',
  'ip link set rr0 up',
  'ip route add default dev rr0', // Firefox gathers no ICE candidate without a default route; rr1 leads nowhere
  'export RATSRAUM_ICE_INTERFACE=rr0 RATSRAUM_ICE_IP=10.99.0.1',
  'exec "$@"',
].join('\n');
const r = spawnSync('unshare', ['--net', 'sh', '-c', setup, 'netns', ...cmd], { stdio: 'inherit' });
if (r.error || (r.status !== 0 && r.status !== null && probeFailed())) {
  console.error('netns: cannot create a network namespace here (unshare --net); running without one: video tests need one');
  process.exit(spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' }).status ?? 1);
}
process.exit(r.status ?? 1);

function probeFailed() {
  return spawnSync('unshare', ['--net', 'true']).status !== 0;
}
