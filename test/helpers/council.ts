/**
 * A large council for the catastrophe test and bench: the demo council (chair and members with browser
 * links) plus `extra` voting members with pre-provisioned devices, seeded like the demo.
 */
import { toHex } from '../../crypto/bytes.js';
import { generateSeed } from '../../crypto/ed25519.js';
import { type Demo, makeDemo } from '../../relay/demo.js';

export function bigDemo(extra: number): Demo {
  const demo = makeDemo();
  const factions = ['cdu', 'spd', 'gruene', 'fdp'];
  for (let i = 1; i <= extra; i++)
    demo.devices.push({ person: `x${String(i).padStart(3, '0')}`, name: `Mitglied ${i}`, roles: ['member'], faction: factions[i % 4]!, voting: true, seed: toHex(generateSeed()) });
  return { ...demo, statutoryMembers: 15 + extra };
}
