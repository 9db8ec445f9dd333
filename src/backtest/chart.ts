// Equity charts as PNG: chart.js drawing on an @napi-rs/canvas canvas, no browser, no date
// adapter. The x axis is linear in ms with ticks we place ourselves on whole UTC minutes, hours,
// days, months or years; an optional drawdown panel shares it below the equity panel (two
// stacked y scales in one chart, so both panels line up). Long series are cut to a few points
// per pixel column — each column's lowest and highest — before chart.js sees them.
import { inflateRawSync } from 'node:zlib';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
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
import type { TimeRange } from './coverage.ts';

export type { TimeRange };

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Title, SubTitle);

export interface ChartSeries {
  readonly label: string;
  /** In time order. Any length: it is downsampled to the chart's width. */
  readonly points: readonly EquityPoint[];
  /** CSS colour; a palette colour by default. */
  readonly color?: string;
  /** Line width in px. */
  readonly lineWidth?: number;
  /** Time the data does not cover (gaps in the candles): the line stops there instead of
   * drawing a straight line across it. Default: the chart's `breaks`. */
  readonly breaks?: readonly TimeRange[];
}

export interface EquityChartOptions {
  readonly title: string;
  /** A second title line, e.g. the headline KPIs. */
  readonly subtitle?: string;
  readonly series: readonly ChartSeries[];
  /** Drawdown below the running peak, in % (≤ 0; a positive value is drawn as its negative). */
  readonly drawdown?: readonly DrawdownPoint[];
  /** The drawdown's legend entry; default "Drawdown (%)". */
  readonly drawdownLabel?: string;
  /** px; default 1200 × 700. */
  readonly width?: number;
  readonly height?: number;
  /** `equity` plots the values; `return` plots each series' % change from its first point. */
  readonly scale?: 'equity' | 'return';
  /** The equity axis' title, e.g. "Equity (USDT)". */
  readonly valueLabel?: string;
  /** Time the data does not cover: no series nor the drawdown is drawn across it. */
  readonly breaks?: readonly TimeRange[];
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
  /** Time no candle covers: the total and the drawdown stop there (each crew at its own `breaks`). */
  readonly breaks?: readonly TimeRange[];
}

const DEFAULT_WIDTH = 1200;
const DEFAULT_HEIGHT = 700;
/** Points kept per pixel column of the plot: its lowest and highest. */
const POINTS_PER_COLUMN = 2;
/** The embedded font (end of this file): the same text on every host, fonts installed or not. */
const FONT_FAMILY = 'Crewdesk Sans';
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
const TOTAL_COLOR = '#111111';
const DRAWDOWN_LINE = '#c62828';
const DRAWDOWN_FILL = 'rgba(198, 40, 40, 0.25)';
const GRID = '#e5e5e5';
const TEXT = '#222222';

/** One equity chart (one or several series), with a drawdown panel below when given. */
export async function renderEquityChart(options: EquityChartOptions): Promise<Buffer> {
  registerFont();
  const width = Math.round(options.width ?? DEFAULT_WIDTH);
  const height = Math.round(options.height ?? DEFAULT_HEIGHT);
  if (!(width >= 200 && height >= 150)) throw new RangeError(`chart too small: ${width}×${height}`);
  const mode = options.scale ?? 'equity';
  const columns = Math.max(50, width - 120);
  const budget = columns * POINTS_PER_COLUMN;

  const datasets: ChartDataset<'line', XY[]>[] = options.series.map((series, i) => {
    const kept = downsampleMinMax(series.points, (p) => p.equity, budget);
    const base = kept[0]?.equity ?? 0;
    const data = brokenAtGaps(
      kept.map((p) => ({
        x: p.time,
        y: mode === 'return' ? (base > 0 ? (p.equity / base - 1) * 100 : 0) : p.equity,
      })),
      series.breaks ?? options.breaks ?? [],
    );
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
    // Each column keeps its deepest point: a dip one candle long is still drawn.
    const kept = downsampleMinMax(options.drawdown!, (p) => -Math.abs(p.pct), budget);
    datasets.push({
      label: options.drawdownLabel ?? 'Drawdown (%)',
      data: brokenAtGaps(
        kept.map((p) => ({ x: p.time, y: -Math.abs(p.pct) })),
        options.breaks ?? [],
      ),
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
      // spanGaps off: a NaN point (a gap in the data, see brokenAtGaps) ends the line.
      spanGaps: false,
      elements: { line: { tension: 0, borderJoinStyle: 'round' } },
      plugins: {
        title: { display: true, text: options.title, font: font(20, 'bold'), color: TEXT, padding: { top: 8, bottom: 4 } },
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
                max: 0,
                title: { display: true, text: 'Drawdown', font: font(12), color: TEXT },
                grid: { color: GRID },
                border: { color: '#999999' },
                ticks: {
                  font: font(11),
                  color: TEXT,
                  maxTicksLimit: 4,
                  callback: (value, _index, ticks) => `${tickLabel(Number(value), ticks)}%`,
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
            // With a drawdown panel below, the lowest label would sit on the panel's 0 %: drop it.
            callback: (value, index, ticks) => (hasDrawdown && index === 0 ? '' : `${tickLabel(Number(value), ticks)}${mode === 'return' ? '%' : ''}`),
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
    ...(options.drawdown !== undefined ? { drawdown: options.drawdown, drawdownLabel: 'Team drawdown (%)' } : {}),
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
    scale: options.scale ?? 'return',
    ...(options.valueLabel !== undefined ? { valueLabel: options.valueLabel } : {}),
    ...(options.breaks !== undefined ? { breaks: options.breaks } : {}),
  });
}

/** The time gaps in the data leave uncovered (first missing candle's open to the open that resumes), as chart breaks. */
export function gapBreaks(gaps: readonly { readonly from: number; readonly to: number }[]): TimeRange[] {
  return gaps.map((g) => ({ start: g.from, end: g.to }));
}

/**
 * The points with a break (y NaN: chart.js skips it and, spanGaps off, ends the line there)
 * between two points that a gap in the data lies between, so no straight line is drawn across
 * time nobody traded. Both lists are in time order.
 */
export function brokenAtGaps(points: readonly XY[], breaks: readonly TimeRange[]): XY[] {
  if (breaks.length === 0 || points.length < 2) return points.slice();
  const out: XY[] = [points[0]!];
  let b = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const next = points[i]!;
    while (b < breaks.length && breaks[b]!.start <= a.x) b++;
    if (b < breaks.length && breaks[b]!.end <= next.x) out.push({ x: (a.x + next.x) / 2, y: Number.NaN });
    out.push(next);
  }
  return out;
}

export interface XY {
  x: number;
  y: number;
}

/**
 * At most about `maxPoints` points of a time-ordered series: the time range is cut into
 * `maxPoints / 2` equal buckets and each keeps its lowest and highest point (in time order), so
 * spikes and dips survive. The first and last points are always kept. Short series come back as
 * they are (copied).
 */
export function downsampleMinMax<T extends { readonly time: number }>(points: readonly T[], value: (point: T) => number, maxPoints: number): T[] {
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

/** A value axis' label: thousands separators and as many decimals as the tick step needs. */
function tickLabel(value: number, ticks: readonly { value: number }[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : Math.abs(value);
  const decimals = step > 0 ? Math.min(8, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))) : 0;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

let fontRegistered = false;

function registerFont(): void {
  if (fontRegistered) return;
  fontRegistered = true;
  const font = inflateRawSync(Buffer.from(EMBEDDED_FONT.join(''), 'base64'));
  if (!GlobalFonts.register(font, FONT_FAMILY)) {
    // Text falls back to installed fonts (or draws nothing without any): the chart still renders.
    process.emitWarning('crewdesk: could not register the embedded chart font');
  }
}

// "Crewdesk Sans": DejaVu Sans 2.37 cut to printable ASCII and · − × → … ≈ ± ° € ₿ – —,
// unhinted, renamed as the Bitstream Vera licence asks of a modified font, raw-deflated and
// base64 encoded (23,928 bytes as TTF; sha256 24205d0708a1bee40276a73b929c4f3cd05487090fd8cffa952710478facd19b).
// Embedded because slim container images ship no font at all and @napi-rs/canvas bundles none:
// without one every label of the chart would be blank. The font carries its copyright and
// licence (Bitstream Vera licence; DejaVu changes in the public domain) in its name table.
// Rebuilt with fontTools' subsetter from /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf.
const EMBEDDED_FONT = [
  '7XwLXFRV/vj3nPsYHBQYGCBr1RlGQPOBOo74fiQqKgr5QKM0hjcKDDKgIpr5SHRNUVFKQiRFM1LW0DVEc1MyRaqtZakIzYxfambF',
  'tm2pzJz5/c65d4YBsdxdt/b/+fwH78y993zP9/39nu/5jnMBAYA7PAscpE8KmTARVLAQYHoSAPhMigifqej5uz8DTH8WwPXUpJmz',
  'HwssHVMNEDX2/8YLpo2bFbpq22dPAER9AoBLwmcGDUqZ9/gMALQUACJjU43pybq4DwC4dwFgeaLRnA4KUABMfwoAOiemZCcMfPtF',
  'AiCEAmjdkuKNcQOHXav6P1gLAAxJSoo3ej7c6QYAGgwAPZNSM5cuemz2NAD0AQCypJhijb0+HbgOgA8FQJBqXJoOz8F0ADQXADRp',
  'xtT4xdu3zAUImAsQ+EW6yZxpa4QogOkj6ThQ2fH8Slw77aOn3Uf+A3q4AH19PqBoDv289uieQbYC6w1XtWIbALgABumFABSppBuA',
  '61Jbga3eVc0wOb9WsjsrYRoI9hntXoh3Q1voqKAXdgKg7tIn9zEkYE8A7CpynAuPMf8sAAcAMfaJEQkT4mAsaPxCRTVRo0JFKmqK',
  'BmS7bKOj/HuQgDcCcAZk4MrhrHgUigVfKFMUwiJxFKzCejjL9YDDXA8o5QFGiUehAW+EYtwEcXgjNOIKAMEXcgVfuCL4QoHgC0WC',
  'L8QJvgxPnuALBwRf2Cj4wipcAc24AoopDvvBj4F8F4BcIRs8hBVQIxSAWewNNYIb1PCFUCPqwSzyUIOfooetQBgDNXwW1IjXoEaw',
  'QI0YBma+TvoU8qBGUEMu32S7IzRCBcWp+ApChBwYxTfZLEIOPEVloTxzPeAcow+2mzxAGX8NcgQ1VPEJsEhQwyL+JizCH0IQPRc8',
  'oQoPg9N4mK2R3yOdK2qhit7nv2TwVRSOmwJVfB8wcToIFjyhnD8Jo8SNEMmfhBH0nNfDXMEXAa5APP2U6EO1rNNG8SjqygPEuUjH',
  'TcEXKEyWQ1cAh9seeNPd91rvi4D3igAHpE/nczjguhSyqDeD5C1q4JjPqYEHFsvgARyI8Ay8Dm/Axxq1JkBzULvNz9Mv1GZjsXCY',
  '3fdyvm+7Yjtse832/OePfz728onPPvpszmd+HXiy/eUN3tAHxkAOnEPeKBYtQptRGfoAfYVuYxF7Yg2OwIn4BVyHmzkN9zSXwR3n',
  'fuJd+O68np/IR/H5govQU3hS2CgcEWqFz0VfMUgcKc4QU8UV4kviEfGaQqmYpFiq+KPivOKGwubSw2W0y2yXFJdnXDa57Hb5o8sZ',
  'l790UnYa3imhU0Gn852uKwOVk5VPKhcrtyh3KT9Ufu/a3XWa6wrXItePXW91/l3nAZ2ndU7t/HznvZ3rOzd18e4yoUt6ly1dirqc',
  '6lLb5ZMuzW4j3Wa6RbtVuX3k1uRmc3/Evbf7BPfZ7jHuZve17lvdX3Y/4X7NA3u4ezzqEemR7pELGBJIAZ8glAJHM5yXSqvy16q0',
  'CTxYzNwjli9JgcLt1vcZYm/AyEANJdQDB50A/PXeOpVexek4ZKitrVXv8SZEqLcuIi+heMBwlivDXzFYBQBS6VRalU6FTGW4Z5lQ',
  'b63HfegBGIoBRF/hFHDQAwBpOS3Hab30nNZbyw6dFzsMWnbwvuTSLOQfkoR6JpckoqHk5RloNHkpqSSRNCa+nETOouhZ5BRKTuCe',
  'IxVcLjGi3cRYSCp2khhUTI+daHoh2k19rYzU8amiGrTQC4IAkI4LCAg0+Pj4qgICDIOHBBv03j4+vt4BAYEqHx9vtajgVKLorfbx',
  'VQ0ZYhgcgI/GoeS/LEj40HSp5tN34+aVz5z5h6eaPmr6KC5z2aIrK1flkDrUD/frd3TsOITO9zxYsPek29fX+R6P/OHR/jyZrTta',
  '9Gq1OweosMuCuZHR9SRclRY1NwkEWGRrUvQWmsEVfEEHgaAHQH6UsH4QpRs4iDKj86M8Ot/31yOdl9OY8OGc2Ng5s2NjZxdXndhV',
  'UnXC8kJkbMycObFx3MASS1RJj+KTJ3bvPl6Ft25fu3rHjtVrdqy8eOJEY+OJk43YuGP12u3b164qWHn772KXxhNvftp4suoiYFhl',
  'axKI0AydYAAAEmXqwQgNGRKsF7EC6QJFUecHVH9Mi/pBTIU6xij6/snZfy15ev9kkoMsIx4TqzonzUO+lryk/1nzN/L+unUDBn1W',
  'OXPf7DnFIclrRnC6x1+eu+3MmLE4z3rridqMtYQ8Q5ryn5iDvD5+9krsmBUj95zt2fNY0EDTXH0iXafOcmXIxPyNeRsyyW5Gxw6T',
  '73GO6AldKNfYW+3pqwvAhsGewThn3eo1z5UU7Nj+guh5lYy+do2M+PJr9M7nl9HbN+nMUvI9NkkzvfQ+nt5qrNAN8TQMxqUlBTt2',
  'FJQ8t2aN6HmTjLz8ORn+9Zfo7LVr6AydNwpP4aqFZlABIEFQ+Kt0KiHQ3z9YUOlV/lw12YkSh5PDGeTwcJRIdg5HERkogr98pjqm',
  'luSi7NqY6jOxtSib5NYCggYAoVHgwZVKpvWmcaQ1aFVcOe5nrTtgrcP9BN5aV0ZPynA/Sr3Y5omqgdBVOljvzem8mutKV80gB8lb',
  'aCwdj0OX8Uq8hurKS+utjcOPWL/Ea0oBQSMAKgdCR4L13rrGujpCWBVgewxXyNrVIx12KbPeKhPqb6cChlxbE58neywgP6zy8NQP',
  '8lR54MBBoPIAnR99xxuLdu0q2rVr164W1In81NJCfkKdhAjyHnmXvEfeQ3qkR4ORvoSYyTqSS8xoE8pGy9AmQHAFgI8S6kEJEKxV',
  'CQZ/PdUCQVPIThR/AU2xlJbx5tDK0Dv1ZYCgAICfIjTD7wD8td5awxAIZgGr8xMVhiFD9IN4GswioA34tCXMjDbpjdNeWfd03dJl',
  'f517HaknPNmV/FBWVrYEbR2e+sLkJQWPjX934KDrZ57al96NfA0IimxNvFlohl4AiCYGXuvH8oYUhjqdQT5xJseN2bqXfECuzz+3',
  'YNb51FPnju8rP7ajeO+LM09lmGueuIo6b+b8e7y95dL3/v7VAwcV5K3dsX9JujmnZ8BRjebDiuWv0bQbB8CXCvWAmRcjLadX0QRM',
  'fYETCUbEQOrra6zzBX9LE/eeRX+AlKDoaskbmvg4oR66SdZWUa7AWw1tGfcTFZe4rtaSvnP73kE9yV/Jd/Ork6LeWnjowoVDj788',
  'S6gvI9vc3cm3N/5G/qHR1A4ccKyo6FjPAMCQZ2viC5j9e7bNVYiFPubsBHUa6gnaQT64dP3u3evX796NOoW9FHa+zn1ExcIrSCDN',
  'XxAr+RZFoEfCXuJGVO15+cSJl/dU4ezKngHke/LdnHnku6+vkhvMN2LQvu5UugMAfJJQDyKTDumQ9gD3lvWLOkSseqE+8s4qoQ9w',
  'sNHWxG9kPOpYtnfOnPZMRf2CWVTn19MweIiXulU1eOOWffu2bNm/j+xbvdX22WWyddW2veSnn34iP5WGbl2zOj9/9Zqt+Gxhbm7h',
  'S+tyCyM1Fc8e+eCDI89WaPzeyWu4fr0h7x1kzFy9OjNz9Wopj/K5QjM8RDUWzGzg6SVnTtBLWvILQHbq3mqfK2FFU8/XuQ+vSPmc',
  'tCCPLxCHVOR18mVYERot67JHZc8A1AV5Rj6F3L++inxYJO0mT3bHL9g1Sf2oGQBV8zppXQ5ma7i3rrmujkY6ryN0RabZg0F0olmP',
  'QbAcUkezCK8j1gZHJmmA+UIjv59qvxP2RgYkNLbc4l3uEAFzzWQryT+GPtyPPgQMDShaaOT2yFWG1pv9NQiYgt4h3J4DzWVt8XkZ',
  'EEXIQHiRaz5GgvaToGMolUqRD8AdFpqBoxqklYiXji467UKdmVQhigpR9Ea5tbVn/zQ0KmqYfk1K+BHj/NOJlZdDo+YGBbqIIiFo',
  'a2H86sgnDPMHPpE2cfzJYUPP7A7bEBkZZOjqPXIwpZhLihSLhD3gCmEAyMk3kCgvuXSxM+il8iAwoCflQlpsfHi6SvqK1LECpYVn',
  'SE/9IN7Xx8fbAwR8Z/PynE1blmXnYe3IlxIPfvzJa4lFI/K27RszNonUH875InrX6+bUZKTetep2UtQK0vDicVL57LPr1j+zCs14',
  '869oYc7UcHKGXMdd8/aWbn5+XykJnTb59vnzd6aGrbFqfC6/vvBkxJqN48YmkD+e3k1uLEhKnfO4yZi4ZsUKNPnNY2jKipW55SUx',
  'V3PIbfKBCBg8AIQklmmULNPQhM9pOR0+Sb7F/iTnSzzsL+utT6+vF9ysXbnyO33QSrIKOKgB4G8K9eACKtCwtUpSkePEX+scZFqU',
  'j0L27tq1l5xEfbZv3bqduGL+2p1nl+/YR5pbrNdxjfVS7sbnn8MJZLQpY1H6/rde37BHral98fyn1PPMtiYhUGiGrgAsz8i5ZUiw',
  'tyg6Eo0QmHBttQ1IM/JAsPpawoJv1pJDZBlah2au+0aIqX96PjlHPiEN5Nz8p+tCQ9FulIiS0O5JgKk0wmFZGkAqOSr9tdKnFuX/',
  'gAyoB7lCasljaDeqQAUkiUQQoxDUsgQ9hPqjvsh3P3mBPEueIQWAmHY2CvV0FWdZWD5quMPWh/E56zB8yzKaJtmJZdamMhleJ9Sz',
  'GLTD62q4KGs6jrAevkBBQ8uswbImaG7rBuDPKgORtyuA93VWDV9NjmHPLHK1hOwhWWgjmr8NKUzplo3kW/IN8kKeCw/Uo637rStn',
  'zkY7USpKQztDJ378dDR5n3xI/kLe9weJL2GELIdepVXppdK+5gL+7MIFq98Fod5ahOPu9KEyyfAoX6ocvPQU7oJQf4dWZbYCksBG',
  'JEweorx21lx4r2namHVpQv2dfPL9D2UFZ2SqC6QawEuvQlrqloxoMeKtj3APkx+tekp6A15iDbU04T9bB8o6pLMEiVdvbc0F/LHl',
  'aaGelgrSuNhDqIfOVMcIsR2KjuJF/dAKtBL1O0tW1pKVbwv1Fhfu1p0+Qg8L8HDnil0Pert9kEqvYgwhD1zwNmm2LnhbqG/pwV+5',
  '04e/0tKD5g9qpYbWKomaRM/qo0DJPOydC7xIrIi7eBEhYruIhqOlZD15h5ylRaEQRirJl+QqqUSh6GH0CAotJU+SYpriUSmKoQsi',
  'SH7Lb2J+68X81hF6PA06nUqH8smmwsJNZCg630LJtJALQpD1z9ty123b39R46QvrAcotuSVz260tt15Sjd/KM27D8xik/OGSVuch',
  'sYxGUBE+vJvzO38ml77DGO1DRso3k8NCNsv8C7OEevCiFRzy8fH1ojszHat0NDR9OGTiNo3LGf1ew5+mbFx68QI6j8CyxrqBbNux',
  'Yxs+6bPlGZKEVhbEWDcI9R99sqkKh1u/zV2z5jlArF7dIzRDoJw52ALr63t3MRcYSEuDnvpBPnyo+d2n9x1Zsn/ZFx+TS+Tagu+e',
  'zbmZcehkbmHOFxeQ7z+SPxVKzwYPeXZxbHyPrn0ajjV8PiDogwkT1z+TtrzHQ/3eeu2d/wmgHn8HgKd7YgUAJxfyIv+d9dta67dC',
  'fdmdeoHtVipsTUJvoZ7mHS+9SlppVHpZ3xW15dVnymvJZXKVfEkuC/WWrOa6umZuo+UpcpF8hB5FtAhz5HARgOZvpEd4ivWdOtSA',
  'Pv2L9ZxQ3+LLf8WiEEIAFPvlGGCANN0jpAt5Fw1Hw5ro23tkAyFnyRki1Ld48t/S404fweNOM9vpOOcDNp/ORqsakBllNRANhgby',
  'FHniU+wtb/v1lls4x/ocRx3LZgHgrzFvBY7NVulUfAMqRi81WJtrhXprIU6wfG8dhs9RWk8BCD0cORHR8h5pzfwOSwR3rmUUd9iS',
  'KNQXtpjKCvmt8q5vrqiW6w1axWgPowPNzWSuqM67bclrt6/xQjpUxjY2dF8j5gOCc2z3p5Y6GFqDXqUzYBOZ+913ovrWZ3kin0cr',
  'Fu6A0ChpWhadO4l71JBQElqDewj11jq0kWSxfZntJunGq8lBtovy1hp4dcsn5GAexVLGN+MNYgIboVhM6OGdpEpMIL9Hi2lU5Nia',
  '+H58DijB37l6NQSrdAZH/aFtU/vgU5cPrjLtPF5ZOebk+oO11haEX3kh+tis+FNRf2/G+oScGHPD0d5h1lVlCcbTe958y3Plxv79',
  'ywIDLZRela2JLxXV4Mqi0F6F6gcNQRQ33dzp/AICqVK5L1/Ztu0Velg3D389512b7d2c14cfP46Daq9dq629dg3PiDOSk+QWuUVO',
  'GuMOiGqq90W2Ju4an+NYve3o2ertJ6/e3LXpuyKOvPPOkYhd06ftm2clH6F+SJy9hzcc7NOn6b33mvr0KevZE41GbsgTDddRvhfZ',
  'mvgoUQ0ejG+6ODH1SHtSH+eyjdtTWTn89eW1Nlvt8tet517Ztu3AgW3bXuGO4fm3bx6IM6IQ5IJcUIiReMuC2PGv5HNADY8wG/o4',
  'mNbIOVLBpFHwKy0Vnd97Y8G5mNgPFpIfyDnU2/IFUlTifesLj7vh+VGnzg0eXP5oXzQUKZEXGk8uvf3C0fJiqpsgAHxLVLP87U01',
  '4y3lCp1BT62Mbx2OnYaCyIfHDx8uf1NU74xIis2zBHEf5k0/wXaKi0gkH8XngCvbozrZztcDO+U3Z8X4GvTcnn07tu/bt33HvkpC',
  '7hgPPv548Yw/Hh1Wsfx9i+X95RXDKvGo8xcvnj938eLX5AvyVbfuR/o++uafnoyNQcMRh3g0PCaWralVAHyczL1Kp5LIq2inkHkl',
  'H1e5fPmOg8ePP3Yk6/Q7uNT6FC7eXXyq1Jorqq3F8XHfUQlOA6BsUS3vFWiFoffWna6srKzko1tKRPVXgG2NJJLBuIK7lCft9YME',
  'u/ePEwcmh7EJz3/0VpFxp9jrK5m7IlFtryNYtlLpqo5j/6+t5Xhhs/XccVFtSUZN1h+sB7HOegmQEzeMl9OVlaL69k1ZVkU3Pgf8',
  'AJC033CWuFV0b0n03hPeWv2HU8czsvL2H89Ysmn/8eNjDmcve43bsHzxP76gini5iCoCF+956U97rbl8dHlizHKHTvmcu3Xq/Qs6',
  '5aPLqUolv81iPuHbvp/o1KMxbz/42o78gwfzm5En+bb5b+Q7pOIuX6upuXb9/Lmvish5cpN8Q86hYcgLqdFQmidIJF/K50jx5u9g',
  'SU4QbRKH+fhxR37AQ+1J44C1XFSWOWUI9LU93Jw9+Xcd7LlafVelQ0H2AMZmR1QPr6x0ZCFruVNIx5Xd/lHWKzeFz2EVfkA7pfpy',
  'U3pM7lv0yvHjw6ue8+r/O+6op6r2lLWCjy5PiBUEQGCyNXHn+JyO6giakdvXERQpt3H6gagNG2K2j3l730+fRFWnJLxjXP18/Gtj',
  'X3vx8/cTjvJjynv1mjVr7GSt26M7NxQd0+lOGQxPPD41wt+9547VxQe7A4JgAPy9UCz5Ak0Mah+93puuADRBqNASlEOem2p+8836',
  'Pbm5QjE5k2ct2TC9cPdfcHQeGk2jq9zWxM9l3qSm/X6nEkNeS1A59adDlZXjX886fR79GVXh/Vbj7t2nSnFOS8nBhNhm7oC08vMr',
  '+Wi2V5fKhlHVaD6aX02eusNHW2ZxB1tKqJYjAUQDHy1VGF7sH9JxnC6y8uqXDVe/rCSNDX/7voGPthRwC+jRUsIVWBbQmSMA+Gw+',
  'mtYWnTBbW2nE8nFkISprIFWkqgEdIRkNqDfqzUdbL1tPo0oSiqdgH7II0VV1FIlkHLoDCKKcH4KDWY2D86dvX56fEjZLryUjJLaT',
  'zi8rDF03i59u2c6lAIK5AFwjH9222ljELbCG4aOWFfioNZ6PPmBpzD/A+QNCQCp4X1FN+xECM0drN5DaXi9lcmn3SyOC9x19+9WU',
  'zaNG5S189fbokE2RT6aZoiI3ndqy/dJ3L2TmmXc0X8rPm7vp1q7NXR/ZXHRr01xAiCfdULnYzdHjLi8Tu92itVM7+jJR2oO3cyER',
  'dXCh0yGY+PzsKJMpavbzE8fcfiVl8+jRm1NeuT3mVGTeraLNj3TdvOvW5jl5+Zead5jzMl/47tJ2WuugOqGRG8j2BGyhDgygf46a',
  'w9eH/ukHDREak48Y07a5Cgr3l+bPPRhDr/KVgovbS/MjX+UGVoSHjOAxJ4yeNrMifMJIdhoGGKq5LG4U23U8fNe3Ho64MgwegiEi',
  'LS0iIs0UPnZxn/79j6/LPVopmEwR4amp4eHpqwb275fx2No3juauYx2v1v65e9sOOjWpUxfdWse6UTxZUUZWoDVlaE3LfroTb8Sh',
  'qJybKOV/1hPnJhJAqCuMEYr4s5J3KhAKRCgYIaGIBKOaJcRADIvReTJ0MapFtXwYMZDgbFRLDNmoBtVmEwOqlTrxX3FFONvRieeG',
  'Ws7j7C3SiMJ5RDH0Fhvh4CaAQs169ApKm3a/7AdX8Ne/4lfr6+8cqq8n7MVqXKk/P9CRpxRahVb6MkurcCph/IDTBesHUw0bdMF6',
  'T6BrS96TrybsuqDB44KtVzFCGJ0aSn6vubAr4dUnnzge/Q2p7VUXvBGhM8FFvdCQmzHHhZj65KjzJ3Ie6q/T9H8o58SFqGTaWfFD',
  'XI5vkEYX5JuDEPKbBAiy4F0xgh9K4wt5o8BgrUEbGCxGkCVLv2oZxVd/tRT/IYpelH21lPoe7ic04o/t+mBtQfxxGessegiN3A/Q',
  'jeaLn/dLr/vxWqVCdPJaV4FeRb6a2MGYkvl35KvYdGT6hBE8h8VRYbPoqYCxOGoq+rQi3H57ZgWFwJw4air7Rspq4SIU29h3OjqD',
  'h5enlx44rELm6pKq/SXEErXSarnBvYC+wAMQZ/07WWf91vKNNA+ZFRvstcjh6mrFhh/N0ndcai5CsYFh9KYIdZjDKgMyr8yvLflg',
  'S4liww3LPjKHqEk8moC+xQHcoBvtOTF4cBjpPb08Vd5408ooYinZX1VCGfHCnigbuxGr9QPS3ZJ8AxDexOZtAF7KRQO4CMZKp03t',
  'eNF7e3CY01GkeFN1yZYPSmrzV1Jm3rM2Ek9yAr2EbqJXuSdbeUml/Rqko4GKzNW4hOislk6Lqu9LesEe4ciMLlmjFRt+ml7dKas9',
  'bhb9eBPR4RKrxaW8+ke6F5QlWiZ9x6XS4U3V1YplP652YF/G5urpZLyp2hqNLimW/VhYDQjvtd4Q5ipS2TczOtXg4CF6rbfWTyF6',
  'c/OqTNlVyItciw8ZZr2hyLq8tfhwwpyd9HsLq4Wbp1gHD9Euh6+PSqVTeQQG+Aca9JrgISq631eIePvwR+Or0qaSllGjEDctrSq+',
  'Fz6tGZVPxluv487ojafH8ejEhFh0BHe2XiehL46kvBC1MFexjvGiUvv6MFYCAwwqbt6wkHjUlXxTmWNSrLu1vTAy4XBx3hVFHDAJ',
  'fuDmKZ5nstNN3byqKusPnV5kfN7g5smyqQYHBui0Bu0gXx9vFd47LCSeXENeVdkm6w3Fip1zEg4Xb718a6OEz8K4oNIFBAYweXx9',
  'tHpvBa8QmazBQ7iUkb3iq9KmIW7UKNIyNa0q/lF8WjvyRVSJH7L+QKbFTjiB+HFPk8nWH/BD6M38UZQbomZa68IsoVaIjJ3gIQa8',
  't8qUU0m+QV3jQ4Yp1t0qupJXfDghslDKM67q9nnGVU1Ty4/ZnXLb5Bn66gQZ9H+h8BR+APt/KfQcwcNogHyOwQVNkc85CEMz5HPe',
  'CUaAh1CxfC7CQ+iYfN7Ffzh6Xz53g6RAFxgPJkiHbMiAZEiEJMgEDfSCWOgNGhgEA2AA6EEDMZANGngMkiETzJAJGRAPRkiFvqCB',
  'yZAGsdAfNDAOUiAFNDDDgcvMruLBDPGQAYshHuKgPyjvg+oQB9VZYITFkAoLwARpkMj4MELSP0kxBOJhARghErJAA7GQBEaGLZ7N',
  'MDKJNJAMaaCBdMiCGEiBZIgFDcSBCVLByMYo5xRyCcSxmQtBAzMZJjM8BiYwwcK7IOzj/cDM8FLOMqEfmCAB+rXhqxVyEPQHPQRD',
  'JJPCDMlMdo3j/r1oTGRwmW1ksuv1buvRMcpNPNN1PKSACZZAb6bZB6MvimkSpEA2pEMSm5kMqZAOJsiATGYbDSRABptBrUmxLmb3',
  '7i1Hqz9ktfGHe0mjBGWHsku6NYKmjdbu9kwl9Ps3/pT35e0PPsY0vyBzMphByc4y2R3qSalM19SnqW/+Ei9UsgiGL5Vha/XSZMZT',
  'EhuLl+VKZFTSZKv3le0uWUuiJvlYBvOxvowvE7N+GpufLkeCRMEEMZAp+1iy7AVGhkPStFLGmcm4aO9PsQyO+qGE3Y6BQku8S74c',
  'z2JK8j0/Jy/xY5ajc+PYp5nxFQvJYJTlU7IoiIUsSGVYMtmIXT8JkAwpciT1cvDYSoHmFMp/JiyRvZ9SbNUJvZPOoiYOshifrdzE',
  'MQkyma/FQBbjx64H5c9Q6CtHcyykQBbDIulkCfOBJDAxXJJmUtk9Z4nsMmS08UqJ2yymw75O1qHnqcyekq2VThnEDElsvCM5+jrk',
  'DGIZRMMwS/Eg4U6WtdrW+j8vtV1zErfpDo/OZHy1el2rREuYPlLvi4I9GhIgCzKYt5rZnFaKceyd0ujLPqkmFkA8xDJ8EozdftSP',
  'U+TMZrdQLKMdxzhOljkdzqJzlsydEWLAxDJDqw2cc1GrBu7OBGlgYnhjHZnfDmuPlfQOc4DzPA2T2cg4V7Lc3NbXJG1Ia4nxZ+xJ',
  'MUv5IoN5kEnW8P1am8JkM34TWBaguPu30dTPzaU6yZbXFok61XkC4zFO9qQU5qcZjjsSp1SncU42d/Y6+wpqZCtiMssZKexK6ZBI',
  'WuWpvdKctJHYZl2VKNlzqJF5j+S7dhrt9WP+RZnsXCplCVo9zMhsdP8ctKXTXh8d8dZXtncKm5d8j2yudFgng+VZI8srrXjtd8wO',
  'j7THS/vVI17Oc/FMCjulJUyqODbfr4P10M8hd/sZSvBzrLZ+Tl4mxUxYu/UlhsW7yYnXLDkO7H6yGEyQ3IHG4mEp03OaHMnpkC6v',
  'XkaWUeMdM5ztLvFsv6PsMFKSWIbXsE+zzGM886R7+Yk913WUu+PYSpDG7O6sr460qnTSnLMN/9VYNbOsaV+rW6PNHklGtq7Za48M',
  'eUZbjOnMoxeCkcFoZLkkr1I6sup/MlPdW6oYOUYy5fUwwaGpUJjA6ITDdJjF6ITDRJgFc2AczGBjk2EmaCACZkA4RMJkCIEJEMLs',
  'Mo6N0HE/Fo1zYDLDGA6zGS4JxwwYx3A/ARqGW8Ou6dVUmAzTIYTNnQBzGY0JMBNmghLCYQbDPQ0iIAwmM5pSbTkdxkMYzIYQdj6J',
  'VaESvekQzj7D2DzKi8TpLAh3otqWq8mMop2zaTABZsB4CJVHx8FjMJnho/z3ZfURPZ8u8ylpbgbDTnVEMVOc42E2hLErenc2zIAI',
  'CIeZTJ/jmMwSt9OZDBNhhizLBMaBZAmJo/EQDhHwBIOYBKEwi2mBUpolQ/ZldqTyhLD5lOpUBiVxFi5beQbbBdix9Jd1KfFB9R/p',
  'oDyTyR8GYUy3VN6ZjMIEGAfTHHjtvjOJYaB8K5k2ZjP5xjE9hDMKjzE4qkWqzzCHx81wssp4pi9qt75sbzmOSTLJYZ32ktixOVun',
  'I+9QOihMYvJNYJoKY9AzIQImwHiGKcwxn86cwe7PcsIp+b3kE2FO2h3PZKSWfRxmyxASvvZSUDvNYfy3SiFZYJz8Pt5JZ63Wny5b',
  '187PLEZ5VgdamcNicQKDGsdsPdMRIxNZ/E6TOZ/t8LDWHDBb9s9wB2dt9WuPIzvc/eQOCZeddlsLhjB/CpM5nOnQhgSh/Bm8Uu6a',
  'AEtZ3kuX1zXzXSu3c9XYWo061519nXKtcyUgZeFJDDa1HVzrXWm3JK1ZrXsd59qtox22fXfct03V21p9SLlb2hM5V71xrD6XakCz',
  'oyoxsTrQ5KhMlrDReKfditQ7MbXZ51HKRrb293XQsq9FJqcqJ45xnSJTM3egzXuvUMq7dobpbL2XqCxh55lyZULly5Jh6f1l7XbD',
  'Ge12U6020HRoA7ssHVUOzvrPYPZOl/dSyUzDtJ7sL+PNcOzLWnVCNZDAxlLbWb3V+yi24Xd1FTJZRdzKeRzTtZLhSmQ0lSxf2Xtc',
  'v33X6UH3WP+b+kHKNv0gza/WD1J22A/S/Mr9IOV99YPaVvKxTjyZ79pn3F8HtaMOi/I36ytp7uorKf9/X8mpr6RsEw//7/WVlG1W',
  '2N+ur6T8L+0rKTvsK2l+5b6S8mf6Bb9OX0n5T/eVNP+RvpLyHn2le62+9+4uSftzqZL4b+suKdt1lzS/YXdJ+TPa1Thp8L+7y6Rk',
  'Pqb5L+gyKf+Lu0zKdl0mzW/SZVL+YpdJ86t1mZT/RJdJ8x/rMimZDiJhGkxh3EraHgehv2LvSNmhzX+r3pHyrt6R5jfrHSnv2TvS',
  '/Iq9I+U/0TvS/Ga9I3tmvfeKcnfHR/kvdHw0/6GOj/Lf6vhoHlDHR+nU8fm5vsOD6NBk3oV/rFOnQcno0Kv+bMeSCekwHIIgiOlp',
  'AZubBf3ZGkh5iGUrpUlewfszP8qEIKaXhZAMQYy3OFY19Wf1azoEtavGpCdNAYDtE/pMtQ5fmD41zWaTn0bV2XEXAYIF7B49KPcj',
  'AYdMDJsFbinGzDR4iP5/WAD2bCr7GYNeGJ+RJv1PfXbw7IlXiFJRdqeQyvnKj0BLf0si81Zne0M+nQoZMAymAthCAGzrbYdshbYu',
  'HXId4Jhdw94vMjwXbRdhmHQl37vI3o0AthW2LdKZdNd20UHVGX697RCALcuZlDM2x9VpOptifHAvCfO/Dy9z+E/wRt6wGanG2+Np',
  'S0GCkPDaFrL3N+TPLc4Q9+S3Vd+F/zmt/DIHDwqjrbfDLxy6lrVjpF7JPOQNhz2cZLafOz4XOrgKuptfctVWaOtBdUuaO9KK/dzx',
  'Sa0wzHaovf3azpDi4T4lrSOn6YyfhwGwlTppuY550BtyBDpzMuyBRs0h2xu20yxq23kV0+oWNrJC4sfOoTxe2u5zy93Z5d/kLcTW',
  'xdaDZZ/1P+fV5BApBSCS9k6zO6WkjhwCIDV0FICcftDxYltPbtmeaGvTjubKGdNot6n9vDVLMl8/ZPO2rf9lj5LoSdqQsa139hrZ',
  'NwudbdhmZkcclv4CzS7ESJqZFdrFabsseJW9NztFnhxvNu//TD560GuHbYttYWuW/ZexXPznpJRnvXF3predbp/5H9gr4MHYQeLQ',
  'tsIWcn/4WI1R16opeu00KtUiNTbjg6wMbCEPts64f6vaTrfXVHsYcrE1Qv/NF30Gkxu4AYAf+AOCQOgNAvSBfuACA2AEuMJEmAS+',
  'bJfflfUYHmYdjd/BHIiCboDAD4YBAgwcq0cFEOlv6sEFOtHfwAOAK3SGLuAG7uABKvBkvwr2Bp8OufGlv+eRX13Z+8P0OQgA9PfZ',
  '7NUNukMP9oRiN5jG6Hb84tpc8W34cmGVtQu4yPy5QGdwuYvHtk9wpU+Kpdx1hYedeHqY8UP5pjxpwQ900BP82Uom1e/bYDuoWf2+',
  'zJhhjIG1xozUNFgbk2FMhrWxxjQzrI1Nis+AtbHZGSmwNjHelAFrEzPiF8LaJGNaMqxNio/JgLULjWlGWJtiNGnoe2YarE01ZibB',
  '2rSF9I4p0ZgKazOy0jJgbWZCWiKszUyi+J32Ck7PV2Z8fQ7XIQJGdgbFJeYGqwH4aKDPXpUUFt1WnfZrlCSfz/5l10JuAHjxffhg',
  'lATL9kr2cyccbe5HOV1ntJ7joQAteQAw0jG1F3SHAaAADoZDDPweKuBT5IMGo3S0GR0EBArmoSNhNDwF82A+IOCgO4yFJElrzIdS',
  'KR768z5IgV7Qi/32cCF96kWnAvv+i8GlO+BMDri0DuDMDrgMB9wiBreoDdxiBpcAAFkM7hlAkHkXnADZDI7qYRmDo7+nW8rOft/m',
  '3hI2d43TXAzz6FwWAvPoqIu0a7RjXtEB5uUdYM7pADONiF4CjczudFTATpgx0Cek9+J7AcBYOsr3kp42DknCRXhGWfK/',
];
