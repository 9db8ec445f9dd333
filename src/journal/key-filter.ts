// A set of strings that answers "certainly not in it" or "maybe in it", in a few bytes per key
// (a scalable Bloom filter). The journal keeps every order's client order id and advice key in
// one, so that the write-ahead intent log can tell synchronously that a new order conflicts with
// none: "certainly not" is exact; "maybe" (a real conflict, or about one key in 10,000 by
// chance) sends the order the slow way, through SQLite, which decides. Memory stays small however
// many orders the journal holds (~2.4 bytes per key, against ~100 for a Set of the strings).

/** False positives per layer (a fresh key said "maybe"). */
const FALSE_POSITIVE_RATE = 1e-4;
const LN2 = Math.LN2;

class Layer {
  readonly bits: Uint32Array;
  readonly size: number;
  readonly hashes: number;
  count = 0;

  constructor(readonly capacity: number) {
    // m = -n ln p / (ln 2)^2 bits, k = (m / n) ln 2 hashes.
    const m = Math.ceil((-capacity * Math.log(FALSE_POSITIVE_RATE)) / (LN2 * LN2));
    this.size = Math.ceil(m / 32) * 32;
    this.bits = new Uint32Array(this.size / 32);
    this.hashes = Math.max(1, Math.round((this.size / capacity) * LN2));
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % this.size;
      this.bits[at >>> 5]! |= 1 << (at & 31);
    }
    this.count++;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % this.size;
      if ((this.bits[at >>> 5]! & (1 << (at & 31))) === 0) return false;
    }
    return true;
  }
}

export class KeyFilter {
  private readonly layers: Layer[];

  /** `expected`: how many keys it will hold soon (it grows past that, a layer twice as big at a time). */
  constructor(expected = 65_536) {
    this.layers = [new Layer(Math.max(1024, expected))];
  }

  add(key: string): void {
    let layer = this.layers.at(-1)!;
    if (layer.count >= layer.capacity) {
      layer = new Layer(layer.capacity * 2);
      this.layers.push(layer);
    }
    const [h1, h2] = hash(key);
    layer.add(h1, h2);
  }

  /** False: `key` was certainly never added. True: it may have been. */
  mayHave(key: string): boolean {
    const [h1, h2] = hash(key);
    for (const layer of this.layers) if (layer.has(h1, h2)) return true;
    return false;
  }

  /** Bytes of bit arrays held. */
  get bytes(): number {
    return this.layers.reduce((n, l) => n + l.bits.byteLength, 0);
  }
}

/** Two independent 32-bit hashes of a string (cyrb53's two lanes); the second is made odd. */
function hash(key: string): [number, number] {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return [a >>> 0, (b | 1) >>> 0];
}
