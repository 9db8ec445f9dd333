// A progress bar on stderr for work that takes a while: shown only on a terminal, never with
// --json, and only once the work has run for a second (a quick run stays quiet). The bar never
// touches stdout, so piped output stays clean.
import cliProgress from 'cli-progress';

export interface Progress {
  /** `fraction` 0…1; `text` a short note shown after the bar (e.g. "12/100 runs"). */
  update(fraction: number, text?: string): void;
  /** Removes the bar (if it was shown). */
  stop(): void;
}

export interface ProgressOptions {
  /** Whether a bar may be shown at all (a TTY and not --json). */
  readonly enabled: boolean;
  readonly label: string;
  /** Where the bar goes; default stderr. */
  readonly stream?: NodeJS.WriteStream;
  /** Shown only after this long (ms); default 1000. */
  readonly delayMs?: number;
}

const STEPS = 1000;

const QUIET: Progress = { update: () => {}, stop: () => {} };

/** A bar when `enabled` and the stream is a terminal; a no-op otherwise. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!options.enabled || stream.isTTY !== true) return QUIET;
  const delay = options.delayMs ?? 1000;
  const started = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  let stopped = false;
  return {
    update(fraction: number, text = ''): void {
      if (stopped) return;
      const value = Math.round(Math.min(1, Math.max(0, fraction)) * STEPS);
      if (bar === null) {
        if (performance.now() - started < delay) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${options.label} {bar} {percentage}% · {eta_formatted} left {text}`,
            hideCursor: true,
            clearOnComplete: true,
            barsize: 30,
            etaBuffer: 50,
            // The backtest loop is synchronous: redraw from update() itself, not only from a timer.
            synchronousUpdate: true,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(STEPS, value, { text });
        return;
      }
      bar.update(value, { text });
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      bar?.stop();
    },
  };
}
