/**
 * Signing keys kept in IndexedDB: a non-extractable WebCrypto key where the platform has Ed25519, else the
 * seed. Slots: a meeting (demo link), '' (the tenant's enrolled device), '#admin' (tenant key), '#admin-device'.
 * Beside a device key, its X25519 secret for sealed members' content (a seed in the meta of the same slot).
 */
import { importNonExtractable, type Signer, signerFromPrivateKey, signerFromSeed } from '../../crypto/ed25519.js';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { type DhKey, dhFromSecret } from '../../crypto/seal.js';
import * as idb from './idb.js';

/** Keeps `seed` in the slot (wiping the caller's copy) and returns its signer. */
export async function keepKey(tenant: string, slot: string, seed: Uint8Array, fp: string): Promise<Signer> {
  const key = await importNonExtractable(seed);
  await idb.putDevice(tenant, slot, key ? { ...key, fingerprint: fp } : { publicKey: (await signerFromSeed(seed)).publicKey, seed: seed.slice(), fingerprint: fp });
  seed.fill(0);
  return (await heldKey(tenant, slot))!.signer;
}

/** The key held in the slot, with the tenant key fingerprint it was kept with. */
export async function heldKey(tenant: string, slot: string): Promise<{ signer: Signer; fp: string } | undefined> {
  const d = await idb.getDevice(tenant, slot);
  if (!d) return undefined;
  return { signer: d.privateKey ? signerFromPrivateKey(d.privateKey, d.publicKey) : await signerFromSeed(d.seed!), fp: d.fingerprint };
}

/** The X25519 secret (end-to-end encryption, core/sealed.ts) kept beside the device key of a slot; never leaves this device. */
export async function keepDh(tenant: string, slot: string, secret: Uint8Array): Promise<void> {
  await idb.updateMeta(tenant, slot, (m) => ({ ...m, secrets: { ...m.secrets, dh: toHex(secret) } }));
}

export async function heldDh(tenant: string, slot: string): Promise<DhKey | undefined> {
  const hex = (await idb.getMeta(tenant, slot)).secrets?.dh;
  return hex ? dhFromSecret(fromHex(hex, 32)) : undefined;
}
