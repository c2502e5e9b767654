/** A seeded pseudo-random source in [0, 1): mulberry32, so datasets are reproducible from a seed. */
export type Rng = () => number;

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, digits: number) => Math.floor(n).toString(16).padStart(digits, '0');

/** A UUIDv7 (time-ordered, like the platform's newId) with its timestamp at `ms` and random bits from `r`. */
export function uuidAt(ms: number, r: Rng): string {
  const t = hex(Math.max(0, ms), 12);
  const a = hex(r() * 0x1000, 3);
  const b = hex(0x8000 + r() * 0x4000, 4);
  const c = hex(r() * 0x1000000, 6) + hex(r() * 0x1000000, 6);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${a}-${b}-${c}`;
}
