// Numbers typed by people or written by the model mean what they look like. JavaScript's Number()
// reads "0x10" as 16, "1e3" as 1000, "0b11" as 3, "Infinity" as Infinity and "" or " " as 0;
// decimal.js reads hex and exponents too. A param, a limit or an option given as text is accepted
// in plain decimal notation only: an optional sign, digits, an optional fraction ("12", "-0.5",
// ".5"). Anything else is refused with the text shown, never guessed at.

/** Plain decimal notation: sign, digits, fraction; no exponent, no radix prefix, no words. */
export const PLAIN_DECIMAL = /^[-+]?(\d+(\.\d+)?|\.\d+)$/;
/** A whole number in plain decimal notation. */
export const PLAIN_INTEGER = /^[-+]?\d+$/;

/** The number the text says in plain decimal notation (surrounding spaces allowed), else null. */
export function parsePlainNumber(text: string): number | null {
  const t = text.trim();
  if (!PLAIN_DECIMAL.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** What to say when `value` (text from a chat or the model) is no plain decimal number for a numeric param; null when it is fine. */
export function numberRefusal(name: string, value: unknown, type: string): string | null {
  if (type !== 'number' && type !== 'integer') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${name} must be a finite number (got ${String(value)})`;
  if (typeof value !== 'string' || parsePlainNumber(value) !== null) return null;
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${name} must be a number in plain decimal notation, such as 12 or 0.5 (got ${shown}: no hex, exponents, Infinity, NaN or empty text)`;
}
