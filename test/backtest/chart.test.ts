import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { brokenAtGaps, downsampleMinMax, renderEquityChart, renderTeamChart, timeTicks } from '../../src/backtest/chart.ts';
import { DAY_MS, EquityRecorder, type EquityPoint } from '../../src/backtest/equity-recorder.ts';

const T0 = Date.UTC(2021, 0, 1);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image size from the PNG's IHDR chunk, which must come first, right after the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** RGBA of one pixel of a PNG. */
async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return [...ctx.getImageData(x, y, 1, 1).data];
}

/** A recorded hourly random walk (fixed seed) with a dip. */
function hourlyRun(hours: number, seed = 7): EquityRecorder {
  const recorder = new EquityRecorder();
  let equity = 1000;
  for (let i = 0; i < hours; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    equity *= 1 + (seed / 2_147_483_648 - 0.48) * 0.01;
    recorder.record(T0 + i * 3_600_000, equity, i % 2 === 0);
  }
  return recorder;
}

describe('renderEquityChart', () => {
  it('renders a PNG of the requested size, on a white background', async () => {
    const run = hourlyRun(24 * 30);
    const png = await renderEquityChart({
      title: 'sma-cross on BTCUSDT 1h',
      subtitle: 'Return +3.2 % · Max DD 8.1 %',
      series: [{ label: 'sma-cross', points: run.equityPoints() }],
      drawdown: run.drawdownPoints(),
      width: 800,
      height: 450,
    });
    expect(pngSize(png)).toEqual({ width: 800, height: 450 });
    // Opaque white in the corner: readable in Discord's dark theme too.
    expect(await pixel(png, 2, 2)).toEqual([255, 255, 255, 255]);
  });

  it('defaults to 1200 × 700', async () => {
    const png = await renderEquityChart({ title: 'default size', series: [{ label: 'x', points: hourlyRun(48).equityPoints() }] });
    expect(pngSize(png)).toEqual({ width: 1200, height: 700 });
  });

  it('renders an empty run without throwing', async () => {
    const png = await renderEquityChart({ title: 'nothing yet', series: [{ label: 'x', points: [] }], drawdown: [] });
    expect(pngSize(png)).toEqual({ width: 1200, height: 700 });
  });

  it('renders 500,000 points by drawing only a few per pixel column', async () => {
    // A 500,000-minute run (347 days) recorded unbounded, to hand the chart every point.
    const recorder = new EquityRecorder({ maxPoints: Infinity });
    let equity = 1000;
    for (let i = 0; i < 500_000; i++) {
      equity *= 1 + Math.sin(i / 5_000) * 0.0001 + (i % 7 === 0 ? -0.0003 : 0.0001);
      recorder.record(T0 + i * 60_000, equity);
    }
    const points = recorder.equityPoints();
    const drawdown = recorder.drawdownPoints();
    expect(points).toHaveLength(500_000);
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const png = await renderEquityChart({ title: '500k points', series: [{ label: 'long run', points }], drawdown });
    const elapsedMs = performance.now() - started;
    expect(pngSize(png)).toEqual({ width: 1200, height: 700 });
    // What chart.js would have had to hold for 500k points is ~100 MB; downsampled it is ~1 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect(elapsedMs).toBeLessThan(20_000);
  });
});

describe('a gap in the data', () => {
  /** Whether any pixel of column x, below the legend, is the series' blue (#1f77b4). */
  async function blueInColumn(png: Buffer, x: number): Promise<boolean> {
    const image = await loadImage(png);
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const data = ctx.getImageData(x, 0, 1, image.height).data;
    for (let y = 100; y < image.height; y++) {
      const [r, g, b] = [data[y * 4]!, data[y * 4 + 1]!, data[y * 4 + 2]!];
      if (Math.abs(r - 0x1f) < 40 && Math.abs(g - 0x77) < 40 && Math.abs(b - 0xb4) < 40) return true;
    }
    return false;
  }

  // Equity rises over days 0–2, nothing is traded on days 2–8, and it goes on rising over days 8–10:
  // joined, the two pieces would draw one straight line through the middle of the chart.
  const points: EquityPoint[] = [];
  for (let h = 0; h < 48; h++) points.push({ time: T0 + h * 3_600_000, equity: 1000 + h });
  for (let h = 0; h < 48; h++) points.push({ time: T0 + 8 * DAY_MS + h * 3_600_000, equity: 1048 + h });
  const gap = { start: T0 + 48 * 3_600_000, end: T0 + 8 * DAY_MS };
  const render = (breaks?: { start: number; end: number }[]) =>
    renderEquityChart({ title: 'gap', series: [{ label: 'equity', points, color: '#1f77b4' }], width: 800, height: 450, ...(breaks ? { breaks } : {}) });

  it('is not bridged by a line: the chart is empty over the gap', async () => {
    // The middle of the plot is day 5, inside the gap.
    expect(await blueInColumn(await render([gap]), 430)).toBe(false);
    // Without the gap, the line runs through it (the check sees a line where there is one).
    expect(await blueInColumn(await render(), 430)).toBe(true);
  });

  it('brokenAtGaps puts a skipped point between the two points a gap lies between, and only there', () => {
    const xy = points.map((p) => ({ x: p.time, y: p.equity }));
    const broken = brokenAtGaps(xy, [gap]);
    expect(broken).toHaveLength(xy.length + 1);
    const at = broken.findIndex((p) => Number.isNaN(p.y));
    expect(broken[at - 1]!.x).toBe(T0 + 47 * 3_600_000);
    expect(broken[at + 1]!.x).toBe(T0 + 8 * DAY_MS);
    expect(brokenAtGaps(xy, [])).toEqual(xy);
  });
});

describe('renderTeamChart', () => {
  it('draws several crews and the team total on one chart', async () => {
    const crews = [hourlyRun(24 * 60, 1), hourlyRun(24 * 60, 2), hourlyRun(24 * 60, 3)];
    const team = new EquityRecorder();
    const series = crews.map((crew) => crew.equityPoints());
    for (let i = 0; i < series[0]!.length; i++) {
      team.record(
        series[0]![i]!.time,
        series.reduce((sum, points) => sum + points[i]!.equity, 0),
      );
    }
    const png = await renderTeamChart({
      title: 'Team',
      crews: series.map((points, i) => ({ label: `crew ${i + 1}`, points })),
      total: { label: 'Team total', points: team.equityPoints() },
      drawdown: team.drawdownPoints(),
      width: 1000,
      height: 600,
    });
    expect(pngSize(png)).toEqual({ width: 1000, height: 600 });
  });
});

describe('downsampleMinMax', () => {
  it('keeps the first, the last and every bucket extreme, within the budget', () => {
    const points: EquityPoint[] = [];
    for (let i = 0; i < 500_000; i++) points.push({ time: i, equity: Math.sin(i / 1_000) * 100 + (i === 123_456 ? -500 : 0) });
    const kept = downsampleMinMax(points, (p) => p.equity, 2_000);
    expect(kept.length).toBeLessThanOrEqual(2_000);
    expect(kept[0]).toBe(points[0]);
    expect(kept[kept.length - 1]).toBe(points[points.length - 1]);
    expect(kept).toContain(points[123_456]);
    for (let i = 1; i < kept.length; i++) expect(kept[i]!.time).toBeGreaterThan(kept[i - 1]!.time);
  });

  it('returns a short series as it is', () => {
    const points = [
      { time: 1, equity: 1 },
      { time: 2, equity: 2 },
    ];
    expect(downsampleMinMax(points, (p) => p.equity, 100)).toEqual(points);
  });
});

describe('timeTicks', () => {
  it('puts ticks on whole UTC hours for a day and labels them HH:mm', () => {
    const { ticks, format } = timeTicks(T0 + 1_234, T0 + DAY_MS - 1, 10);
    expect(ticks[0]).toBe(T0 + 3 * 3_600_000);
    expect(ticks.every((t) => t % 3_600_000 === 0)).toBe(true);
    expect(format(ticks[0]!)).toBe('03:00');
  });

  it('puts weekly ticks on Mondays for a quarter', () => {
    // 89 days: 13 Mondays fit 14 ticks; with room for 10, every other Monday.
    const weekly = timeTicks(T0, Date.UTC(2021, 2, 31), 14);
    expect(weekly.ticks).toHaveLength(13);
    expect(weekly.ticks.every((t) => new Date(t).getUTCDay() === 1)).toBe(true);
    expect(weekly.format(weekly.ticks[0]!)).toBe('2021-01-04');
    const fortnightly = timeTicks(T0, Date.UTC(2021, 2, 31), 10);
    expect(fortnightly.ticks.map(fortnightly.format)).toEqual(['2021-01-11', '2021-01-25', '2021-02-08', '2021-02-22', '2021-03-08', '2021-03-22']);
    expect(fortnightly.ticks.every((t) => new Date(t).getUTCDay() === 1)).toBe(true);
  });

  it('uses calendar months for years', () => {
    const { ticks, format } = timeTicks(T0, Date.UTC(2024, 0, 1), 10);
    expect(ticks.every((t) => new Date(t).getUTCDate() === 1)).toBe(true);
    expect(ticks.length).toBeLessThanOrEqual(10);
    expect(format(ticks[0]!)).toBe('2021-01');
  });
});
