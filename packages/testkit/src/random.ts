// Seeded random numbers for weights. Models must be reproducible from (shape, seed) so a failing test or a
// benchmark can be rerun on the same bytes; Math.random cannot be seeded.

/** Mixes a seed and a label (e.g. a tensor name) into a 32-bit seed, so each tensor gets its own stream and
 * adding a tensor does not shift the values of the others. (FNV-1a over the label, then a murmur3 finaliser.) */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** sfc32: small, fast, and good enough statistically for weight initialisation. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = Number.NaN;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextU32(); // warm up so close seeds diverge
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in (0, 1): never 0, so Box-Muller's log is finite. */
  uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** Standard normal via Box-Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * Fills `out` with N(0, std²) values. This is the hot loop when writing a 0.5B model (415M values), so it
   * inlines the generator and uses Marsaglia's polar method (no trigonometry): ~3x faster than calling
   * normal() per value.
   */
  fillNormal(out: Float32Array, std: number): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    let i = 0;
    if (!Number.isNaN(this.spare) && out.length > 0) {
      out[i++] = this.spare * std;
      this.spare = Number.NaN;
    }
    while (i < out.length) {
      // Two sfc32 steps, written out: a closure over the state would keep it off registers.
      let t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const u = t * 4.656612873077393e-10; // int32 -> [-1, 1)
      t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const v = t * 4.656612873077393e-10;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      out[i++] = u * m * std;
      if (i < out.length) out[i++] = v * m * std;
      else this.spare = v * m;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
}
