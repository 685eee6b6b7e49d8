/**
 * Rows keyed by id instead of by object. Every fold makes new objects, so `<For each={objects}>` would
 * re-create each row on each fold: an open confirmation dialog would vanish under the chair's cursor and
 * typed text would be lost. `<For each={keys()}>` keeps a row for as long as its id is listed.
 */
export function keyedBy<T>(list: () => readonly T[], key: (x: T, i: number) => string) {
  const keys = () => list().map(key);
  /** The item's current version; while its row is being removed, the version last seen. */
  const item = (k: string) => {
    let last: T | undefined;
    return () => (last = list().find((x, i) => key(x, i) === k) ?? last) as T;
  };
  return { keys, item };
}
