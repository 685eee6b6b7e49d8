/**
 * Canonical JSON (docs/PROTOCOL.md): the subset of RFC 8785 we need. Object keys sorted by UTF-16 code
 * units, no whitespace, numbers only as safe integers, no undefined, at most MAX_DEPTH nested arrays and
 * objects. Two encoders that follow this text produce the same bytes for the same value, so payloads and
 * certificates can be signed and hashed. A value outside the subset throws a CanonicalError, never
 * anything else: callers that take untrusted JSON (the admin API) answer it with 400.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Arrays and objects nested deeper than this are refused (untrusted input must not exhaust the stack). */
export const MAX_DEPTH = 32;

export type CanonicalProblem = 'not-finite' | 'not-integer' | 'too-deep' | 'unsupported';

export class CanonicalError extends TypeError {
  override readonly name = 'CanonicalError';
  constructor(
    readonly problem: CanonicalProblem,
    message: string,
  ) {
    super(`canonicalJson: ${message}`);
  }
}

function encode(value: unknown, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalError('not-finite', `${value} is not a finite number`);
      if (!Number.isSafeInteger(value)) throw new CanonicalError('not-integer', `${value} is not a safe integer`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (depth >= MAX_DEPTH) throw new CanonicalError('too-deep', `nested deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(value)) return `[${value.map((x) => encode(x, depth + 1)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k], depth + 1)}`).join(',')}}`;
    }
    default:
      throw new CanonicalError('unsupported', `cannot encode ${typeof value}`);
  }
}

export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}
