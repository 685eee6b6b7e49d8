/**
 * Runs in each engine's page (bundled by test/browser/engines-wire.test.ts): the app's own key keeping
 * (web/store/keys.ts over IndexedDB) and envelope signing on one fixed entry. With `?fallback` the page
 * first takes Ed25519 out of WebCrypto, as on an engine without it, so the app keeps the seed instead.
 */
import type { Unsigned } from '../../crypto/envelope.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

if (location.search.includes('fallback')) {
  const subtle = crypto.subtle;
  const refuse = (alg: unknown) => (typeof alg === 'string' ? alg : (alg as { name?: string }).name) === 'Ed25519';
  const importKey = subtle.importKey.bind(subtle);
  const generateKey = subtle.generateKey.bind(subtle);
  subtle.importKey = ((f: never, k: never, alg: never, e: never, u: never) => (refuse(alg) ? Promise.reject(new DOMException('Ed25519', 'NotSupportedError')) : importKey(f, k, alg, e, u))) as typeof subtle.importKey;
  subtle.generateKey = ((alg: never, e: never, u: never) => (refuse(alg) ? Promise.reject(new DOMException('Ed25519', 'NotSupportedError')) : generateKey(alg, e, u))) as typeof subtle.generateKey;
}

(globalThis as unknown as { signFixed: (u: Record<string, unknown>, seedHex: string) => Promise<unknown> }).signFixed = async (u, seedHex) => {
  const [{ keepKey, heldKey }, envelope, idb] = await Promise.all([import('../../web/store/keys.js'), import('../../crypto/envelope.js'), import('../../web/store/idb.js')]);
  const seed = Uint8Array.from(seedHex.match(/../g)!.map((x) => parseInt(x, 16)));
  await keepKey('wire', 'probe', seed, 'fp');
  const stored = (await idb.getDevice('wire', 'probe'))!;
  const signer = (await heldKey('wire', 'probe'))!.signer;
  const b = (h: string) => Uint8Array.from((h.match(/../g) ?? []).map((x) => parseInt(x, 16)));
  const entry: Unsigned = { ...(u as unknown as Unsigned), author: signer.publicKey, prev: b(u.prev as string), deps: (u.deps as string[]).map(b), payload: b(u.payload as string) };
  const env = await envelope.sign(entry, signer);
  return { wire: hex(env.wire), kept: stored.privateKey ? 'CryptoKey' : stored.seed ? 'seed' : 'none', extractable: stored.privateKey?.extractable ?? null, seedWiped: seed.every((x) => x === 0) };
};
