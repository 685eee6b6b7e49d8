/// <reference lib="webworker" />
/**
 * Signature checks off the main thread (web/verify-pool.ts): the same crypto/envelope.verifySignature rule,
 * so the verdicts are the main thread's. Request {id, wires, authors}; answer {id, ok}, one verdict per wire.
 */
import { verify } from '../crypto/ed25519.js';

export interface VerifyRequest {
  id: number;
  wires: Uint8Array[]; // whole envelopes: signed part, then the 64-byte signature
  authors: Uint8Array[]; // each envelope's author key, as the main thread decoded it
}
export interface VerifyAnswer {
  id: number;
  ok: boolean[];
}

/** envelope.verifySignature of an envelope with this wire and author. */
const check = (wire: Uint8Array, author: Uint8Array): Promise<boolean> =>
  wire.length < 64 ? Promise.resolve(false) : verify(wire.subarray(wire.length - 64), wire.subarray(0, wire.length - 64), author);

self.onmessage = async (msg: MessageEvent<VerifyRequest>) => {
  const { id, wires, authors } = msg.data;
  const ok = await Promise.all(wires.map((w, i) => check(w, authors[i]!)));
  postMessage({ id, ok } satisfies VerifyAnswer);
};
