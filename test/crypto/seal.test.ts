/** crypto/seal.ts: X25519 (RFC 7748), HKDF-SHA256 (RFC 5869), XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), and wrap/seal on top. */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import * as seal from '../../crypto/seal.js';
import vec from '../vectors/seal/standards.json';

describe('crypto/seal against the standards\' vectors', () => {
  it('PUB-5 X25519 of RFC 7748 § 6.1: both public keys and the shared secret', () => {
    const x = vec.x25519;
    const alice = seal.dhFromSecret(fromHex(x.alicePrivate));
    const bob = seal.dhFromSecret(fromHex(x.bobPrivate));
    expect(toHex(alice.publicKey)).toBe(x.alicePublic);
    expect(toHex(bob.publicKey)).toBe(x.bobPublic);
    // A wrap from Alice's key as the ephemeral one opens for Bob: both sides derive the same shared secret.
    const key = fromHex('11'.repeat(32));
    const w = seal.wrap(key, bob.publicKey, utf8('c'), fromHex(x.alicePrivate));
    expect(toHex(w.epk)).toBe(x.alicePublic);
    expect(seal.unwrap(w, bob, utf8('c'))).toEqual(key);
  });

  it('PUB-5 HKDF-SHA256 of RFC 5869 A.1', () => {
    const h = vec.hkdf;
    expect(toHex(hkdf(sha256, fromHex(h.ikm), fromHex(h.salt), fromHex(h.info), h.length))).toBe(h.okm);
  });

  it('PUB-5 XChaCha20-Poly1305 of draft-irtf-cfrg-xchacha-03 A.3.1: seal gives nonce || ciphertext || tag, open reverses it', () => {
    const c = vec.xchacha20poly1305;
    const sealed = seal.seal(fromHex(c.key), utf8(c.plaintextUtf8), fromHex(c.aad), fromHex(c.nonce));
    expect(toHex(sealed)).toBe(c.nonce + c.ciphertext + c.tag);
    expect(new TextDecoder().decode(seal.open(fromHex(c.key), sealed, fromHex(c.aad)))).toBe(c.plaintextUtf8);
  });
});

describe('wrap and seal', () => {
  const me = seal.generateDh();
  const other = seal.generateDh();
  const key = seal.generateKey();

  it('PUB-5 a wrap opens only for its recipient and only in its context', () => {
    const w = seal.wrap(key, me.publicKey, utf8('k1 d1'));
    expect(seal.unwrap(w, me, utf8('k1 d1'))).toEqual(key);
    expect(seal.unwrap(w, other, utf8('k1 d1'))).toBeUndefined();
    expect(seal.unwrap(w, me, utf8('k1 d2'))).toBeUndefined();
    const changed = { epk: w.epk, ct: w.ct.slice() };
    changed.ct[5]! ^= 1;
    expect(seal.unwrap(changed, me, utf8('k1 d1'))).toBeUndefined();
    expect(seal.unwrap({ epk: new Uint8Array(32), ct: w.ct }, me, utf8('k1 d1'))).toBeUndefined(); // small-order point
  });

  it('PUB-5 sealed content opens only with its key and its AAD; one changed byte fails', () => {
    const s = seal.seal(key, utf8('Marker'), utf8('aad'));
    expect(s.length).toBe(seal.NONCE + 6 + seal.TAG);
    expect(new TextDecoder().decode(seal.open(key, s, utf8('aad')))).toBe('Marker');
    expect(seal.open(seal.generateKey(), s, utf8('aad'))).toBeUndefined();
    expect(seal.open(key, s, utf8('aax'))).toBeUndefined();
    for (const i of [0, seal.NONCE, s.length - 1]) {
      const t = s.slice();
      t[i]! ^= 0x80;
      expect(seal.open(key, t, utf8('aad'))).toBeUndefined();
    }
  });

  it('PUB-5 a key id is the hash of its key: two keys, two ids; fixed for a fixed key', () => {
    expect(seal.keyId(fromHex('04'.repeat(32)))).toBe('fa0c961b83b9e2b8f6267351710d52c4');
    expect(seal.keyId(seal.generateKey())).not.toBe(seal.keyId(seal.generateKey()));
  });
});

describe('sealed content of docs/PROTOCOL.md, byte for byte (test/vectors/seal/entry-v1.json)', () => {
  it('PUB-5 an independent reader with the device seed re-derives the X25519 key, unwraps the key, checks its id and opens the entry from the spec alone', async () => {
    const { x25519 } = await import('@noble/curves/ed25519.js');
    const { xchacha20poly1305 } = await import('@noble/ciphers/chacha.js');
    const { concat } = await import('../../crypto/bytes.js');
    const { sealPayload, wrapContext, aad } = await import('../../core/sealed.js');
    const v = (await import('../vectors/seal/entry-v1.json')).default;
    const str = (s: string) => { const b = utf8(s); return concat(new Uint8Array([b.length]), b); }; // every string here is < 128 bytes
    // X25519 secret = HKDF-SHA256(ikm = Ed25519 seed, no salt, info "ratsraum/dh-from-seed/v1", 32)
    const dhSecret = hkdf(sha256, fromHex(v.recipient.deviceSeed), undefined, utf8('ratsraum/dh-from-seed/v1'), 32);
    expect(toHex(dhSecret)).toBe(v.recipient.dhSecret);
    expect(toHex(x25519.getPublicKey(dhSecret))).toBe(v.recipient.dh);
    // wrap: shared = X25519(dh secret, epk); okm = HKDF(shared, salt = epk || dh, info = "ratsraum/wrap/v1" 0x00 context, 56)
    const context = concat(str('ratsraum/wrap-context/v1'), str(v.tenant), str(v.meeting), fromHex(v.keyId), fromHex(v.recipient.device));
    expect(toHex(context)).toBe(v.wrap.context);
    const shared = x25519.getSharedSecret(dhSecret, fromHex(v.wrap.epk));
    const okm = hkdf(sha256, shared, concat(fromHex(v.wrap.epk), fromHex(v.recipient.dh)), concat(utf8('ratsraum/wrap/v1'), new Uint8Array([0]), context), 56);
    const key = xchacha20poly1305(okm.subarray(0, 32), okm.subarray(32)).decrypt(fromHex(v.wrap.ct));
    expect(toHex(key)).toBe(v.key);
    // key id = first 16 bytes of SHA-256("ratsraum/key-id/v1" || key)
    expect(toHex(sha256(concat(utf8('ratsraum/key-id/v1'), key)).subarray(0, 16))).toBe(v.keyId);
    // payload = 0x01 || key id || nonce || XChaCha20-Poly1305(key, nonce, aad, plaintext)
    const e = v.entry;
    const aadBytes = concat(str('ratsraum/sealed/v1'), str(v.tenant), str(v.meeting), str(e.doc), fromHex(e.author), new Uint8Array([e.seq]), str(e.kind), fromHex(v.keyId));
    expect(toHex(aadBytes)).toBe(e.aad);
    const payload = fromHex(e.payload);
    expect(payload[0]).toBe(1);
    expect(toHex(payload.subarray(1, 17))).toBe(v.keyId);
    expect(new TextDecoder().decode(xchacha20poly1305(key, payload.subarray(17, 41), aadBytes).decrypt(payload.subarray(41)))).toBe(e.plaintextUtf8);
    // … and the code makes exactly these bytes.
    const place = { tenant: v.tenant, meeting: v.meeting, doc: e.doc, author: fromHex(e.author), seq: e.seq, kind: e.kind };
    expect(toHex(aad(place, v.keyId))).toBe(e.aad);
    expect(toHex(sealPayload(place, key, utf8(e.plaintextUtf8), fromHex(e.nonce)))).toBe(e.payload);
    expect(toHex(wrapContext(v.tenant, v.meeting, v.keyId, v.recipient.device))).toBe(v.wrap.context);
    const w = seal.wrap(key, fromHex(v.recipient.dh), context, fromHex(v.wrap.ephemeralSecret));
    expect([toHex(w.epk), toHex(w.ct)]).toEqual([v.wrap.epk, v.wrap.ct]);
  });
});
