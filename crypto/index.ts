/** Public surface of crypto/: import * as x from '../crypto/x.js' or these re-exports. */
export * as bytes from './bytes.js';
export * as codec from './codec.js';
export * as ed25519 from './ed25519.js';
export * as envelope from './envelope.js';
export * as cert from './cert.js';
export { canonicalJson } from './canonical.js';
export { sha256, fingerprint } from './hash.js';
