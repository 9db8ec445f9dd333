// Charts with TradingView's lightweight-charts (its standalone ES module, served by the desk at /vendor/).
import { CandlestickSeries, LineSeries, createChart, createSeriesMarkers } from '/vendor/lightweight-charts.standalone.production.mjs';

const COLOURS = ['#2962ff', '#26a69a', '#ef6c00', '#8e24aa', '#c62828', '#00838f', '#6d4c41', '#558b2f'];

function baseChart(container, height) {
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  return createChart(container, {
    autoSize: true,
    height,
    layout: { background: { color: 'transparent' }, textColor: dark ? '#d7dce2' : '#1f2933', attributionLogo: true },
    grid: { vertLines: { color: dark ? '#2a2f36' : '#eef0f3' }, horzLines: { color: dark ? '#2a2f36' : '#eef0f3' } },
    timeScale: { timeVisible: true, secondsVisible: false },
    rightPriceScale: { borderVisible: false },
  });
}

/** Milliseconds → the chart's seconds, each point's time strictly after the one before (the chart needs that). */
function toPoints(points) {
  const out = [];
  for (const p of points) {
    const time = Math.floor(p.at / 1000);
    const value = Number(p.equity);
    if (!Number.isFinite(value)) continue;
    if (out.length && out.at(-1).time >= time) out[out.length - 1] = { time: out.at(-1).time, value };
    else out.push({ time, value });
  }
  return out;
}

/** Equity lines, one per scope: `{ scope: [{ at, equity }] }`. Returns an updater for live points. */
export function equityChart(container, seriesByScope) {
  const chart = baseChart(container, 280);
  const lines = new Map();
  let i = 0;
  for (const [scope, points] of Object.entries(seriesByScope)) {
    const title = scope === 'total' ? 'all crews' : scope.replace(':', ' ');
    const line = chart.addSeries(LineSeries, { color: COLOURS[i++ % COLOURS.length], lineWidth: 2, title, priceLineVisible: false });
    const data = toPoints(points);
    line.setData(data);
    lines.set(scope, { line, last: data.at(-1)?.time ?? 0 });
  }
  chart.timeScale().fitContent();
  return {
    chart,
    /** A live equity fact's point for one scope (ignored when not charted or not newer). */
    add(scope, at, equity) {
      const entry = lines.get(scope);
      const time = Math.floor(at / 1000);
      if (!entry || time < entry.last) return;
      entry.line.update({ time, value: Number(equity) });
      entry.last = time;
    },
    remove: () => chart.remove(),
  };
}

/** Candles with the crew's buys and sells marked. candles: [{ openTime, open, high, low, close }], fills: [{ time, side, price }]. */
export function candleChart(container, candles, fills) {
  const chart = baseChart(container, 320);
  const series = chart.addSeries(CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    borderVisible: false,
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
  });
  const data = [];
  for (const c of candles) {
    const time = Math.floor(Number(c.openTime ?? c.time) / 1000);
    if (data.length && data.at(-1).time >= time) continue;
    data.push({ time, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) });
  }
  series.setData(data);
  const markers = createSeriesMarkers(series, []);
  const marks = [];
  const fillsShown = [...fills];
  let first = data[0]?.time ?? 0;
  const intervalSec = data.length > 1 ? data[1].time - data[0].time : 60;
  const addFill = (fill) => {
    const t = Math.floor(Number(fill.time) / 1000);
    if (t < first) return;
    // A fill lands on the candle it happened in.
    const time = t - ((t - first) % intervalSec);
    const buy = fill.side === 'BUY';
    marks.push({
      time,
      position: buy ? 'belowBar' : 'aboveBar',
      color: buy ? '#26a69a' : '#ef5350',
      shape: buy ? 'arrowUp' : 'arrowDown',
      text: `${buy ? 'buy' : 'sell'} ${Number(fill.price).toFixed(2)}`,
    });
    marks.sort((a, b) => a.time - b.time);
    markers.setMarkers(marks);
  };
  for (const f of fills) addFill(f);
  chart.timeScale().fitContent();
  return {
    chart,
    addFill(fill) {
      fillsShown.push(fill);
      addFill(fill);
    },
    /** Newer candles (the desk's time moved on): appended, the view kept where the user left it. */
    addCandles(candles) {
      for (const c of candles) {
        const time = Math.floor(Number(c.openTime) / 1000);
        if (data.length && time < data.at(-1).time) continue;
        const bar = { time, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) };
        series.update(bar);
        if (data.length && data.at(-1).time === time) data[data.length - 1] = bar;
        else data.push(bar);
      }
      if (first === 0 && data.length) {
        first = data[0].time;
        marks.length = 0;
        for (const f of fillsShown) addFill(f);
      }
      // Fills marked before their candle came are placed now.
      markers.setMarkers(marks);
      return data.length;
    },
    remove: () => chart.remove(),
  };
}

/** A backtest's equity curve, from [{ time, equity }]. */
export function lineChart(container, points, title) {
  const chart = baseChart(container, 240);
  const line = chart.addSeries(LineSeries, { color: COLOURS[0], lineWidth: 2, title, priceLineVisible: false });
  line.setData(toPoints(points.map((p) => ({ at: p.time ?? p.at, equity: p.equity ?? p.value }))));
  chart.timeScale().fitContent();
  return { chart, remove: () => chart.remove() };
}
