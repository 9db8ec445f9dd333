// The desk draws its forge and track-record charts in a worker thread: the same PNG as drawn in
// place, and a chart that cannot be drawn says why.
import { describe, expect, it } from 'vitest';
import { renderEquityChart } from '../../src/backtest/chart.ts';
import { renderEquityChartOffThread } from '../../src/backtest/chart-thread.ts';

const options = {
  title: 'Forge draft f1: ema-rsi-dip on BTCUSDT 1h',
  subtitle: 'in-sample 3.10 %, out-of-sample -1.20 %',
  series: [
    {
      label: 'ema-rsi-dip',
      points: Array.from({ length: 500 }, (_, i) => ({ time: Date.UTC(2021, 0, 1) + i * 3_600_000, equity: 10_000 + 50 * Math.sin(i / 20) })),
    },
  ],
  valueLabel: 'Equity',
};

describe('renderEquityChartOffThread', () => {
  it('gives the PNG renderEquityChart gives in place', async () => {
    const [inPlace, offThread] = await Promise.all([renderEquityChart(options), renderEquityChartOffThread(options)]);
    expect(offThread.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(offThread.equals(inPlace)).toBe(true);
  }, 60_000);

  it('rejects with the renderer’s own words', async () => {
    await expect(renderEquityChartOffThread({ ...options, width: 10, height: 10 })).rejects.toThrow('chart too small: 10×10');
  }, 60_000);
});
