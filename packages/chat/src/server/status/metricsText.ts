// The few series the status page reads from the llm-manager's /metrics (Prometheus' text format, as prom-client
// writes it), gathered by metric name: a reading keeps only these, so the history stays small.

/** One series: its labels and its value. */
export type Series = { labels: Record<string, string>; value: number };

/** Series by metric name (a histogram's _bucket, _sum and _count are names of their own). */
export type Scrape = Map<string, Series[]>;

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Reads the series of the metrics named in `wanted`; every other line is skipped unread. */
export function readMetrics(text: string, wanted: ReadonlySet<string>): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m || !wanted.has(m[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k!] = v!.replace(/\\(.)/g, '$1');
    const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    const list = out.get(m[1]!) ?? [];
    out.set(m[1]!, list);
    list.push({ labels, value });
  }
  return out;
}

/** The sum of a metric's series (a server-wide gauge has one); null when the metric is absent. */
export function total(scrape: Scrape, name: string): number | null {
  const list = scrape.get(name);
  return list ? list.reduce((s, x) => s + x.value, 0) : null;
}

/** A metric's values summed by one label (e.g. per model). */
export function byLabel(scrape: Scrape, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of scrape.get(name) ?? []) {
    const key = s.labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** A histogram's cumulative bucket counts per model: model → (upper bound → count). */
export function bucketsByModel(scrape: Scrape, name: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of scrape.get(`${name}_bucket`) ?? []) {
    const model = s.labels.model ?? '';
    const b = out.get(model) ?? new Map<number, number>();
    out.set(model, b);
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    b.set(le, s.value);
  }
  return out;
}

/**
 * The q-quantile (0 to 1) of the observations between two readings of a histogram's cumulative buckets, as
 * Prometheus' histogram_quantile estimates it: linear within the bucket it falls in, and the largest finite bound
 * when it falls in +Inf. Undefined when nothing was observed in between. A counter that went down (the
 * llm-manager restarted) counts from zero.
 */
export function quantileBetween(
  before: Map<number, number> | undefined,
  after: Map<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const restarted = bounds.some((le) => (before?.get(le) ?? 0) > after.get(le)!);
  const counts = bounds.map((le) => after.get(le)! - (restarted ? 0 : (before?.get(le) ?? 0)));
  const observed = counts.at(-1) ?? 0;
  if (observed <= 0) return undefined;
  const rank = q * observed;
  const i = counts.findIndex((c) => c >= rank);
  const upper = bounds[i]!;
  if (upper === Number.POSITIVE_INFINITY) return bounds.at(-2) ?? 0;
  const lower = i > 0 ? bounds[i - 1]! : 0;
  const below = i > 0 ? counts[i - 1]! : 0;
  const inBucket = counts[i]! - below;
  return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
}
