// Numbers as Ollama's CLI prints them, so its users read the same thing: sizes in decimal units ("4.7 GB",
// format.HumanBytes), times relative to now ("2 minutes ago", "4 minutes from now", format.HumanTime), and
// durations as Go prints a time.Duration rounded to the second ("1m3s", the progress bars' time left).

const UNITS: [number, string][] = [
  [1e12, 'TB'],
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'KB'],
];

export function humanBytes(bytes: number): string {
  for (const [size, unit] of UNITS) {
    if (bytes >= size) {
      const value = bytes / size;
      // One decimal below 10 unless whole; whole numbers from 10 up ("4.7 GB", "398 MB", "12 GB").
      if (value >= 10 || Number.isInteger(value)) return `${Math.trunc(value)} ${unit}`;
      return `${value.toFixed(1)} ${unit}`;
    }
  }
  return `${Math.trunc(bytes)} B`;
}

function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(hours / 24 / 365)} years`;
}

/** "2 minutes ago", "4 minutes from now", "Forever" (more than 20 years ahead: keep_alive < 0), or `never`. */
export function humanTime(when: Date | string | undefined, never = 'Never', now = Date.now()): string {
  const t = when === undefined ? Number.NaN : new Date(when).getTime();
  if (!Number.isFinite(t) || t <= 0) return never;
  const delta = now - t;
  if (Math.trunc(delta / 3_600_000 / 24 / 365) < -20) return 'Forever';
  if (delta < 0) return `${humanDuration(-delta)} from now`;
  return `${humanDuration(delta)} ago`;
}

/** A duration as Go's time.Duration prints it, rounded to the second: "42s", "1m3s", "2h0m5s". */
export function goDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s <= 0) return '0s';
  const h = Math.trunc(s / 3600);
  const m = Math.trunc((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${m}m${rest}s`;
  if (m > 0) return `${m}m${rest}s`;
  return `${rest}s`;
}
