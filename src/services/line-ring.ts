// The last N lines of activity (/logs). A ring: each line written costs the same however many came
// before it (an array trimmed with splice moved all 500 kept lines on every event: 9 % of the main
// thread with 500 crews).
export class LineRing {
  private readonly slots: (string | undefined)[];
  /** Where the next line goes. */
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`a line ring needs a whole capacity of at least 1, got ${capacity}`);
    this.slots = new Array<string | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(line: string): void {
    this.slots[this.next] = line;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** The newest `n` lines (at most what is held), oldest first. */
  last(n: number): string[] {
    const k = Math.max(0, Math.min(Math.floor(n), this.count));
    const out = new Array<string>(k);
    let at = this.next - k;
    if (at < 0) at += this.capacity;
    for (let i = 0; i < k; i++) {
      out[i] = this.slots[at] as string;
      at = at + 1 === this.capacity ? 0 : at + 1;
    }
    return out;
  }
}
