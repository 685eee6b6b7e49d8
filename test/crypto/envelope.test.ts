/** Envelope and certificate encoding against the fixed vectors of docs/PROTOCOL.md v1. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import { canonicalJson } from '../../crypto/canonical.js';
import * as cert from '../../crypto/cert.js';
import { Decoder, DecodeError, Encoder } from '../../crypto/codec.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import vec from '../vectors/envelope/v1.json';

const unsignedOf = (f: (typeof vec.envelopes)[number]['fields']): envelope.Unsigned => ({
  tenant: f.tenant,
  meeting: f.meeting,
  doc: f.doc,
  author: fromHex(f.author),
  seq: f.seq,
  prev: fromHex(f.prev),
  deps: f.deps.map((d) => fromHex(d)),
  hlc: f.hlc,
  kind: f.kind,
  payload: utf8(f.payloadUtf8),
});

describe('envelope v1 (docs/PROTOCOL.md "Envelope")', () => {
  it('varuint matches the LEB128 table and rejects non-minimal encodings', () => {
    for (const [n, hex] of vec.varuint as [number, string][]) {
      expect(toHex(new Encoder().varuint(n).finish())).toBe(hex);
      expect(new Decoder(fromHex(hex)).varuint()).toBe(n);
    }
    expect(() => new Decoder(fromHex('8000')).varuint()).toThrow(DecodeError);
  });

  for (const [i, v] of vec.envelopes.entries())
    it(`SEC-1 vector ${i + 1}: signing input, wire bytes and id are reproduced exactly`, async () => {
      const signer = await signerFromSeed(fromHex(vec.deviceSeed));
      const u = unsignedOf(v.fields);
      expect(toHex(envelope.signingInput(u))).toBe(v.signingInput);
      const e = await envelope.sign(u, signer);
      expect(toHex(e.wire)).toBe(v.wire);
      expect(e.id).toBe(v.id);
      const d = envelope.decode(fromHex(v.wire));
      expect(d.id).toBe(v.id);
      expect(d.kind).toBe(v.fields.kind);
      expect(await envelope.verifySignature(d)).toBe(true);
    });

  it('SEC-1 any changed byte breaks the signature or the decoding', async () => {
    const wire = fromHex(vec.envelopes[1]!.wire);
    for (let i = 0; i < wire.length; i += 7) {
      const bad = wire.slice();
      bad[i]! ^= 0x01;
      let ok = false;
      try {
        ok = await envelope.verifySignature(envelope.decode(bad));
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
      expect(ok, `byte ${i}`).toBe(false);
    }
  });

  it('rejects malformed and oversized envelopes with a reason', () => {
    expect(() => envelope.decode(new Uint8Array(0))).toThrow(DecodeError);
    expect(() => envelope.decode(new Uint8Array(envelope.LIMITS.wire + 1))).toThrow(/over/);
    const wire = fromHex(vec.envelopes[0]!.wire);
    expect(() => envelope.decode(new Uint8Array([...wire, 0]))).toThrow(/trailing/);
    expect(() => envelope.decode(wire.subarray(0, wire.length - 1))).toThrow(DecodeError);
  });

  it('refuses to sign unsorted deps, a wrong prev or a foreign author', async () => {
    const signer = await signerFromSeed(fromHex(vec.deviceSeed));
    const u = unsignedOf(vec.envelopes[1]!.fields);
    await expect(envelope.sign({ ...u, deps: [...u.deps].reverse() }, signer)).rejects.toThrow(/ascending/);
    await expect(envelope.sign({ ...u, prev: envelope.ZERO_HASH }, signer)).rejects.toThrow(/prev/);
    await expect(envelope.sign({ ...u, author: new Uint8Array(32) }, signer)).rejects.toThrow(/author/);
  });
});

describe('certificate v1 (docs/PROTOCOL.md "Certificate")', () => {
  it('SEC-1 the fixed certificate verifies against the tenant key and nothing else', async () => {
    const c = vec.certificate.cert as cert.Cert;
    expect(toHex(cert.certInput(c.body))).toBe(vec.certificate.signingInput);
    expect(await cert.check(c, fromHex(vec.tenantKey))).toBe(true);
    expect(await cert.check(c, fromHex(vec.tenantKey), c.body.notAfter + 1)).toBe(false);
    expect(await cert.check({ ...c, body: { ...c.body, roles: ['chair'] } }, fromHex(vec.tenantKey))).toBe(false);
    expect(await cert.check(c, fromHex(vec.envelopes[0]!.fields.author))).toBe(false);
    expect(await cert.check({ body: null } as never, fromHex(vec.tenantKey))).toBe(false);
  });

  it('canonical JSON sorts keys, omits undefined and refuses non-integers', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x"'], c: undefined })).toBe('{"a":[true,null,"x\\""],"b":1}');
    expect(() => canonicalJson({ a: 1.5 })).toThrow(TypeError);
  });
});
