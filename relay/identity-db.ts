/**
 * The keys beside the relay's identity database (relay/identity-schema.ts): each in its own file in the data
 * folder, never in the database, so a copy of the database (a backup, a support dump, the data centre's
 * PostgreSQL) holds ciphertext only. Relays sharing one database hold the same files.
 */
import { chmodSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fromHex, randomBytes, toHex } from '../crypto/bytes.js';

/**
 * The 32-byte key in `file` (hex), created with mode 0600 on first use. Someone who copies the database
 * alone (a backup, a support dump) gets ciphertext only.
 */
export function secretsKey(file: string): Uint8Array {
  // Written aside and linked into place: a relay starting at the same moment on the same folder reads the whole key or none.
  const aside = `${file}.${process.pid}.${toHex(randomBytes(4))}`;
  try {
    writeFileSync(aside, `${toHex(randomBytes(32))}\n`, { mode: 0o600, flag: 'wx' });
    linkSync(aside, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(aside, { force: true });
  }
  if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`identity: ${file} does not hold a 32-byte hex key`);
  return fromHex(hex, 32);
}
