// Equity charts as PNG: chart.js drawing on an @napi-rs/canvas canvas, no browser, no date
// adapter. The x axis is linear in ms with ticks we place ourselves on whole UTC minutes, hours,
// days, months or years; an optional drawdown panel shares it below the equity panel (two
// stacked y scales in one chart, so both panels line up). Long series are cut to a few points
// per pixel column — each column's lowest and highest — before chart.js sees them.
import { createCanvas } from '@napi-rs/canvas';
import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  SubTitle,
  Title,
  type ChartConfiguration,
  type ChartDataset,
  type Plugin,
  type Scale,
} from 'chart.js';
import { DAY_MS, type DrawdownPoint, type EquityPoint } from './equity-recorder.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Title, SubTitle);

export interface ChartSeries {
  readonly label: string;
  /** In time order. Any length: it is downsampled to the chart's width. */
  readonly points: readonly EquityPoint[];
  /** CSS colour; a palette colour by default. */
  readonly color?: string;
  /** Line width in px. */
  readonly lineWidth?: number;
}

export interface EquityChartOptions {
  readonly title: string;
  /** A second title line, e.g. the headline KPIs. */
  readonly subtitle?: string;
  readonly series: readonly ChartSeries[];
  /** Drawdown below the running peak, in % (≤ 0; a positive value is drawn as its negative). */
  readonly drawdown?: readonly DrawdownPoint[];
  /** px; default 1200 × 700. */
  readonly width?: number;
  readonly height?: number;
  /** `equity` plots the values; `return` plots each series' % change from its first point. */
  readonly scale?: 'equity' | 'return';
  /** The equity axis' title, e.g. "Equity (USDT)". */
  readonly valueLabel?: string;
}

export interface TeamChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  readonly crews: readonly ChartSeries[];
  readonly total: ChartSeries;
  readonly drawdown?: readonly DrawdownPoint[];
  readonly width?: number;
  readonly height?: number;
  /** Default `return`: crews of different sizes compare on one axis. */
  readonly scale?: 'equity' | 'return';
  readonly valueLabel?: string;
}

const DEFAULT_WIDTH = 1200;
const DEFAULT_HEIGHT = 700;
/** Points kept per pixel column of the plot: its lowest and highest. */
const POINTS_PER_COLUMN = 2;
/** A font list: DejaVu (Debian's default) first; without any installed font the chart still
 * renders, only without text. */
const FONT_FAMILY = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
const TOTAL_COLOR = '#111111';
const DRAWDOWN_LINE = '#c62828';
const DRAWDOWN_FILL = 'rgba(198, 40, 40, 0.25)';
const GRID = '#e5e5e5';
const TEXT = '#222222';

/** One equity chart (one or several series), with a drawdown panel below when given. */
export async function renderEquityChart(options: EquityChartOptions): Promise<Buffer> {
  const width = Math.round(options.width ?? DEFAULT_WIDTH);
  const height = Math.round(options.height ?? DEFAULT_HEIGHT);
  if (!(width >= 200 && height >= 150)) throw new RangeError(`chart too small: ${width}×${height}`);
  const mode = options.scale ?? 'equity';
  const columns = Math.max(50, width - 120);
  const budget = columns * POINTS_PER_COLUMN;

  const datasets: ChartDataset<'line', XY[]>[] = options.series.map((series, i) => {
    const kept = downsampleMinMax(series.points, (p) => p.equity, budget);
    const base = kept[0]?.equity ?? 0;
    const data = kept.map((p) => ({
      x: p.time,
      y: mode === 'return' ? (base > 0 ? (p.equity / base - 1) * 100 : 0) : p.equity,
    }));
    return {
      label: series.label,
      data,
      yAxisID: 'y',
      borderColor: series.color ?? PALETTE[i % PALETTE.length]!,
      backgroundColor: series.color ?? PALETTE[i % PALETTE.length]!,
      borderWidth: series.lineWidth ?? 1.5,
      pointRadius: 0,
      fill: false,
      order: i,
    };
  });

  const hasDrawdown = options.drawdown !== undefined && options.drawdown.length > 0;
  if (hasDrawdown) {
    // The deepest point of each column: a dip one candle long is still drawn.
    const kept = downsampleMinMax(options.drawdown!, (p) => -Math.abs(p.pct), budget);
    datasets.push({
      label: 'Drawdown (%)',
      data: kept.map((p) => ({ x: p.time, y: -Math.abs(p.pct) })),
      yAxisID: 'drawdown',
      borderColor: DRAWDOWN_LINE,
      backgroundColor: DRAWDOWN_FILL,
      borderWidth: 1,
      pointRadius: 0,
      fill: 'origin',
      order: datasets.length,
    });
  }

  let minTime = Infinity;
  let maxTime = -Infinity;
  for (const dataset of datasets) {
    const first = dataset.data[0];
    const last = dataset.data[dataset.data.length - 1];
    if (first && first.x < minTime) minTime = first.x;
    if (last && last.x > maxTime) maxTime = last.x;
  }
  if (!Number.isFinite(minTime)) {
    minTime = 0;
    maxTime = DAY_MS;
  } else if (maxTime === minTime) {
    maxTime = minTime + DAY_MS;
  }
  const axis = timeTicks(minTime, maxTime, Math.max(2, Math.floor(columns / 110)));

  const font = (size: number, weight: 'normal' | 'bold' = 'normal') => ({ family: FONT_FAMILY, size, weight });
  const valueTitle = mode === 'return' ? 'Return (%)' : (options.valueLabel ?? 'Equity');

  const background: Plugin<'line'> = {
    id: 'crewdeskWhiteBackground',
    beforeDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
    afterDraw(chart) {
      // A rule between the equity and drawdown panels: they share the x axis and would run together.
      const panel = chart.scales['drawdown'];
      if (!panel) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = '#666666';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(chart.chartArea.left, Math.round(panel.top) + 0.5);
      ctx.lineTo(chart.chartArea.right, Math.round(panel.top) + 0.5);
      ctx.stroke();
      ctx.restore();
    },
  };

  const config: ChartConfiguration<'line', XY[]> = {
    type: 'line',
    data: { datasets },
    plugins: [background],
    options: {
      responsive: false,
      maintainAspectRatio: false,
      animation: false,
      devicePixelRatio: 1,
      locale: 'en-US',
      parsing: false,
      normalized: true,
      events: [],
      color: TEXT,
      layout: { padding: { top: 4, right: 24, bottom: 8, left: 8 } },
      elements: { line: { tension: 0, borderJoinStyle: 'round' } },
      plugins: {
        title: { display: true, text: options.title, font: font(18, 'bold'), color: TEXT, padding: { top: 8, bottom: 4 } },
        subtitle: {
          display: options.subtitle !== undefined,
          text: options.subtitle ?? '',
          font: font(13),
          color: '#555555',
          padding: { bottom: 6 },
        },
        legend: {
          display: true,
          position: 'top',
          labels: { font: font(12), color: TEXT, boxWidth: 18, boxHeight: 3, padding: 14 },
        },
        tooltip: { enabled: false },
      },
      scales: {
        x: {
          type: 'linear',
          min: minTime,
          max: maxTime,
          title: { display: true, text: 'Time (UTC)', font: font(12), color: TEXT },
          grid: { color: GRID },
          border: { color: '#999999' },
          afterBuildTicks: (scale: Scale) => {
            scale.ticks = axis.ticks.map((value) => ({ value }));
          },
          ticks: {
            font: font(11),
            color: TEXT,
            maxRotation: 0,
            autoSkip: true,
            callback: (value) => axis.format(Number(value)),
          },
        },
        ...(hasDrawdown
          ? {
              drawdown: {
                type: 'linear' as const,
                position: 'left' as const,
                stack: 'panels',
                stackWeight: 1,
                offset: true,
                max: 0,
                title: { display: true, text: 'Drawdown', font: font(12), color: TEXT },
                grid: { color: GRID },
                border: { color: '#999999' },
                ticks: {
                  font: font(11),
                  color: TEXT,
                  maxTicksLimit: 4,
                  callback: (value: number | string) => `${formatNumber(Number(value))}%`,
                },
              },
            }
          : {}),
        y: {
          type: 'linear',
          position: 'left',
          stack: 'panels',
          stackWeight: 3,
          grace: '5%',
          title: { display: true, text: valueTitle, font: font(12), color: TEXT },
          grid: { color: GRID },
          border: { color: '#999999' },
          ticks: {
            font: font(11),
            color: TEXT,
            ...(mode === 'return' ? { callback: (value: number | string) => `${formatNumber(Number(value))}%` } : {}),
          },
        },
      },
    },
  };

  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  // chart.js types its item as a DOM context; @napi-rs/canvas's 2D context is that in Node.
  const chart = new Chart(ctx as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

/** Several crews and the team total on one chart (the total drawn thicker, in black). */
export function renderTeamChart(options: TeamChartOptions): Promise<Buffer> {
  return renderEquityChart({
    title: options.title,
    ...(options.subtitle !== undefined ? { subtitle: options.subtitle } : {}),
    series: [
      { ...options.total, color: options.total.color ?? TOTAL_COLOR, lineWidth: options.total.lineWidth ?? 2.5 },
      ...options.crews.map((crew, i) => ({ ...crew, color: crew.color ?? PALETTE[i % PALETTE.length]!, lineWidth: crew.lineWidth ?? 1.25 })),
    ],
    ...(options.drawdown !== undefined ? { drawdown: options.drawdown } : {}),
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
    scale: options.scale ?? 'return',
    ...(options.valueLabel !== undefined ? { valueLabel: options.valueLabel } : {}),
  });
}

interface XY {
  x: number;
  y: number;
}

/**
 * At most about `maxPoints` points of a time-ordered series: the time range is cut into
 * `maxPoints / 2` equal buckets and each keeps its lowest and highest point (in time order), so
 * spikes and dips survive. The first and last points are always kept. Short series come back as
 * they are (copied).
 */
export function downsampleMinMax<T extends { readonly time: number }>(
  points: readonly T[],
  value: (point: T) => number,
  maxPoints: number,
): T[] {
  const n = points.length;
  if (n <= maxPoints || n <= 2) return points.slice();
  const first = points[0]!;
  const last = points[n - 1]!;
  const t0 = first.time;
  const span = last.time - t0;
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const out: T[] = [first];
  let bucket = -1;
  let lo: T | undefined;
  let hi: T | undefined;
  let loValue = 0;
  let hiValue = 0;
  const flush = (): void => {
    if (!lo || !hi) return;
    const [a, b] = lo.time <= hi.time ? [lo, hi] : [hi, lo];
    if (a !== out[out.length - 1]) out.push(a);
    if (b !== a) out.push(b);
  };
  for (let i = 1; i < n - 1; i++) {
    const point = points[i]!;
    const b = span > 0 ? Math.min(buckets - 1, Math.floor(((point.time - t0) / span) * buckets)) : 0;
    const v = value(point);
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = hi = point;
      loValue = hiValue = v;
    } else if (v < loValue) {
      lo = point;
      loValue = v;
    } else if (v > hiValue) {
      hi = point;
      hiValue = v;
    }
  }
  flush();
  out.push(last);
  return out;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Fixed tick steps up to two weeks; months and years are calendar steps. */
const FIXED_STEPS = [
  MINUTE_MS,
  2 * MINUTE_MS,
  5 * MINUTE_MS,
  10 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
];
const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120];
/** 1970-01-05 was a Monday: weekly ticks fall on Mondays. */
const MONDAY_OFFSET_MS = 4 * DAY_MS;

/** Tick positions on whole UTC units between `min` and `max`, at most `maxTicks` of them, and
 * the label format that fits their step. */
export function timeTicks(min: number, max: number, maxTicks: number): { ticks: number[]; format: (ms: number) => string } {
  const span = max - min;
  for (const step of FIXED_STEPS) {
    if (span / step > maxTicks) continue;
    const offset = step >= 7 * DAY_MS ? MONDAY_OFFSET_MS : 0;
    const ticks: number[] = [];
    for (let t = Math.ceil((min - offset) / step) * step + offset; t <= max; t += step) ticks.push(t);
    const format =
      step < DAY_MS
        ? span < DAY_MS
          ? (ms: number) => iso(ms).slice(11, 16)
          : (ms: number) => `${iso(ms).slice(5, 10)} ${iso(ms).slice(11, 16)}`
        : (ms: number) => iso(ms).slice(0, 10);
    return { ticks, format };
  }
  for (const months of MONTH_STEPS) {
    const start = new Date(min);
    const firstMonth = start.getUTCFullYear() * 12 + start.getUTCMonth();
    let m = Math.ceil(firstMonth / months) * months;
    if (Date.UTC(Math.floor(m / 12), m % 12, 1) < min) m += months;
    const ticks: number[] = [];
    for (; ; m += months) {
      const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
      if (t > max) break;
      ticks.push(t);
    }
    if (ticks.length > maxTicks && months !== MONTH_STEPS[MONTH_STEPS.length - 1]) continue;
    const format = months >= 12 ? (ms: number) => iso(ms).slice(0, 4) : (ms: number) => iso(ms).slice(0, 7);
    return { ticks, format };
  }
  /* c8 ignore next */
  return { ticks: [min, max], format: (ms) => iso(ms).slice(0, 10) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Tick labels: thousands separators, no trailing zeros, at most 2 decimals. */
function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
