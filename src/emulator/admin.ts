// The emulator's control panel over HTTP, for tests that run it as a child process:
//   GET  /__admin/state       balances, open orders, all orders, trades, prices, replay, knobs
//   GET  /__admin/knobs       the knobs
//   POST /__admin/knobs       {"latencyMs":200, ...}: changes the named knobs, answers all of them
//   POST /__admin/step        {"candles":N} (default 1): plays N whole candles per symbol
//   POST /__admin/tick        plays one price tick (a quarter candle) per symbol
//   POST /__admin/disconnect  cuts every market-stream and WebSocket API connection now
//   POST /__admin/price       {"symbol":"BTCUSDT","price":"42000.5"}: moves a last price (no kline)
// Never rate-limited, never faulted. Errors: 400 {"error": "..."}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ExchangeError } from '../ports/exchange.ts';
import { readBody } from './rest-server.ts';

export interface AdminControls {
  state(): unknown;
  knobs(): unknown;
  setKnobs(patch: unknown): unknown;
  step(candles: number): unknown;
  tick(): boolean;
  disconnectWebSockets(): number;
  setPrice(symbol: string, price: string): void;
}

const stepSchema = z.object({ candles: z.number().int().min(1).max(1_000_000).default(1) }).strict();
const priceSchema = z.object({ symbol: z.string(), price: z.string().regex(/^\d+(\.\d+)?$/) }).strict();

export async function handleAdmin(controls: AdminControls, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  let status = 200;
  let body: unknown;
  try {
    const text = await readBody(req);
    const json = (): unknown => (text.trim() === '' ? {} : JSON.parse(text));
    switch (route) {
      case 'GET /__admin/state':
        body = controls.state();
        break;
      case 'GET /__admin/knobs':
        body = controls.knobs();
        break;
      case 'POST /__admin/knobs':
        body = controls.setKnobs(json());
        break;
      case 'POST /__admin/step':
        body = { closed: controls.step(stepSchema.parse(json()).candles) };
        break;
      case 'POST /__admin/tick':
        body = { played: controls.tick() };
        break;
      case 'POST /__admin/disconnect':
        body = { closed: controls.disconnectWebSockets() };
        break;
      case 'POST /__admin/price': {
        const { symbol, price } = priceSchema.parse(json());
        controls.setPrice(symbol, price);
        body = {};
        break;
      }
      default:
        status = 404;
        body = { error: `no admin route ${route}` };
    }
  } catch (error) {
    status = 400;
    body = {
      error:
        error instanceof z.ZodError
          ? z.prettifyError(error)
          : error instanceof ExchangeError
            ? `${error.code} ${error.message}`
            : error instanceof Error
              ? error.message
              : String(error),
    };
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
