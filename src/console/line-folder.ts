// Folds repeated console lines. A DCA crew out of cash gives the same advice every few candles,
// and a crew at its position limit is denied the same way each time: printed every time, they
// drowned the lines that matter (75 of 110 lines in one run). A line of the same shape as one
// printed less than `windowMs` of market time ago is counted instead of printed; the next one
// printed after the window says how many were not shown, and flush() says it at the end.

export interface FoldedLine {
  /** What makes two lines "the same" (e.g. crew + rule for a denial, the whole text for advice). */
  readonly shape: string;
  /** The line to print. */
  readonly text: string;
  /** Market time of the fact (ms); undefined: never folded. */
  readonly at: number | undefined;
}

interface Seen {
  /** When it was last printed. */
  printedAt: number;
  /** Lines of this shape not printed since, and the last of them. */
  hidden: number;
  lastHidden: { text: string; at: number } | null;
}

export class LineFolder {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly windowMs: number,
    /** How a time reads in a summary ("2026-11-03 15:12 UTC"). */
    private readonly timeText: (ms: number) => string,
  ) {}

  /** The text to print for this line (with the count of hidden lines like it when there were some), or null: folded. */
  offer(line: FoldedLine): string | null {
    if (line.at === undefined) return line.text;
    const seen = this.seen.get(line.shape);
    if (seen && line.at - seen.printedAt < this.windowMs && line.at >= seen.printedAt) {
      seen.hidden++;
      seen.lastHidden = { text: line.text, at: line.at };
      return null;
    }
    const hidden = seen?.hidden ?? 0;
    this.seen.set(line.shape, { printedAt: line.at, hidden: 0, lastHidden: null });
    return hidden > 0 ? `${line.text} (and ${hidden} like it not shown since ${this.timeText(seen!.printedAt)})` : line.text;
  }

  /** Forgets every shape (after a halt, everything is news again); returns the summaries of what was hidden. */
  flush(): string[] {
    const pending = [...this.seen.values()].filter((s) => s.hidden > 0 && s.lastHidden).sort((a, b) => a.lastHidden!.at - b.lastHidden!.at);
    this.seen.clear();
    return pending.map((s) => `${s.lastHidden!.text} (the last of ${s.hidden} like it not shown since ${this.timeText(s.printedAt)})`);
  }

  /** Forgets one shape's window, so its next line prints (e.g. a crew's denial after it traded). */
  forget(shape: string): void {
    this.seen.delete(shape);
  }
}
