/**
 * A deep copy of `live` that keeps each part of `prev` (an earlier copy) that equals its counterpart in `live`:
 * the kept fold hands out a copy of its state after every change, and most of a long session's state (closed
 * votes, earlier speeches) no longer changes. The result always equals `live` (structuredClone's result, for
 * plain objects, arrays and primitives without cycles, as the state is; anything else is cloned anew), whatever anyone did to `prev` meanwhile.
 */
export function copyKeeping<T>(prev: unknown, live: T): T {
  return copy(prev, live) as T;
}

const isPlain = (x: object): boolean => {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

function copy(prev: unknown, live: unknown): unknown {
  if (live === null || typeof live !== 'object') return live;
  if (Array.isArray(live)) {
    const before = Array.isArray(prev) ? prev : undefined;
    let out: unknown[] | undefined = before && before.length === live.length ? undefined : [];
    for (let i = 0; i < live.length; i++) {
      const c = copy(before?.[i], live[i]);
      if (!out && !Object.is(c, before![i])) out = before!.slice(0, i);
      out?.push(c);
    }
    return out ?? before;
  }
  if (!isPlain(live)) return structuredClone(live);
  const before = prev !== null && typeof prev === 'object' && !Array.isArray(prev) && isPlain(prev) ? (prev as Record<string, unknown>) : undefined;
  const keys = Object.keys(live);
  const beforeKeys = before ? Object.keys(before) : [];
  let out: Record<string, unknown> | undefined = before && sameKeys(keys, beforeKeys) ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = copy(before?.[k], (live as Record<string, unknown>)[k]);
    if (!out && !Object.is(c, before![k])) {
      out = {};
      for (let j = 0; j < i; j++) put(out, keys[j]!, before![keys[j]!]);
    }
    if (out) put(out, k, c);
  }
  return out ?? before;
}

/** An own property, also for the key `__proto__` (a person or id named so must not set the copy's prototype). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

const sameKeys = (a: string[], b: string[]): boolean => a.length === b.length && a.every((k, i) => k === b[i]);
