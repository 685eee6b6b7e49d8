/** mulberry32: a small seeded PRNG, so every random choice of a test can be replayed from its printed seed. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const shuffle = <T>(xs: T[]) => xs.map((x) => [next(), x] as const).sort((p, q) => p[0] - q[0]).map((p) => p[1]);
  return { next, int, shuffle };
}
