/**
 * The relay's identity database (invitations, second factors, sessions, audit log), kept apart from the
 * session log's store, and the key that encrypts its secrets, kept apart from the database in its own file.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fromHex, randomBytes, toHex } from '../crypto/bytes.js';

export function openIdentityDb(file: string, schema: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // Deleted and overwritten rows (old TOTP secrets, spent tokens) are zeroed in the file, not left in free space.
  db.pragma('secure_delete = ON');
  db.exec(schema);
  return db;
}

/**
 * The 32-byte key in `file` (hex), created with mode 0600 on first use. Someone who copies the database
 * alone (a backup, a support dump) gets ciphertext only.
 */
export function secretsKey(file: string): Uint8Array {
  try {
    writeFileSync(file, `${toHex(randomBytes(32))}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`identity: ${file} does not hold a 32-byte hex key`);
  return fromHex(hex, 32);
}
