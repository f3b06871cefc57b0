/** A small seeded PRNG (xorshift32): the only source of "randomness" in the machine. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // Zero is a fixed point of xorshift; fold the seed so every seed works.
    this.state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x6d2b79f5) >>> 0 || 0x6d2b79f5;
  }

  /** The generator's whole state (snapshots). */
  save(): number {
    return this.state;
  }

  restore(state: number): void {
    this.state = state >>> 0;
  }

  /** Next value in 0 .. 2^32-1. */
  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Next integer in 0 .. bound-1 (bound >= 1). */
  below(bound: number): number {
    return this.nextU32() % bound;
  }
}
