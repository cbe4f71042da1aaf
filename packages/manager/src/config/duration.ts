// Ollama's keep_alive: a number is seconds, a string is a Go duration ("5m", "1h30m", "10s", "-1m"); negative
// means "keep loaded forever" and 0 "unload right after the request". Returned in milliseconds, with
// Infinity for forever.
import { BadRequestError } from '../errors.ts';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration string (time.ParseDuration) into milliseconds; undefined if it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!m) return text === '0' || text === '+0' || text === '-0' ? 0 : undefined;
  let total = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}

/**
 * keep_alive as a request or OLLAMA_KEEP_ALIVE gives it. Unitless numbers (also as strings, which Ollama's
 * environment accepts) are seconds.
 */
export function parseKeepAlive(value: unknown, field = 'keep_alive'): number {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value * 1000;
  else if (typeof value === 'string') {
    const t = value.trim();
    ms = /^[+-]?\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : parseGoDuration(t);
  }
  if (ms === undefined) {
    throw new BadRequestError(
      `${field}: ${JSON.stringify(value)} is not a duration (use seconds as a number, or a string like "5m", "1h30m", "0" or "-1")`,
    );
  }
  return ms < 0 ? Number.POSITIVE_INFINITY : ms;
}
