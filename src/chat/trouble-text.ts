// The words for an exchange-trouble fact, one line, the same on the console and on Discord.
import type { ExchangeTrouble } from '../core/events.ts';

const WHAT: Readonly<Record<ExchangeTrouble['kind'], string>> = {
  ban: 'IP ban',
  'rate-limit': 'rate limit',
  clock: 'clock fault',
  rejections: 'orders rejected in a row',
};

/** "⛔ Binance: IP ban (418) — nothing is sent before 12:34:56 UTC. …" / "✅ Binance: IP ban over after 2m 5s; refused meanwhile: …" */
export function describeTrouble(t: ExchangeTrouble): string {
  const venue = t.venue.charAt(0).toUpperCase() + t.venue.slice(1);
  const refused = `${t.refused.orders} order(s), ${t.refused.cancels} cancel(s), ${t.refused.reads} other request(s)`;
  if (t.phase === 'ended') return `✅ ${venue}: ${WHAT[t.kind]} over after ${duration(t.at - t.since)}; refused meanwhile: ${refused}`;
  const icon = t.kind === 'ban' ? '⛔' : '⚠️';
  const when = t.until !== null ? ` — nothing is sent before ${new Date(t.until).toISOString().slice(11, 19)} UTC` : '';
  const advice =
    t.kind === 'clock' ? ' Sync the system clock (NTP).' : t.kind === 'rejections' ? ' Check the crews and the account (balance, filters, permissions).' : '';
  return `${icon} ${venue}: ${WHAT[t.kind]} (${t.code}, HTTP ${t.httpStatus})${when}. ${t.message}${advice} Refused so far: ${refused}.`;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}
