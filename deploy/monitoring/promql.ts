// PromQL as Prometheus' own editor parses it (@prometheus-io/lezer-promql, the grammar of Prometheus' UI), and
// what a /metrics page serves: for the tests that hold dashboards, alerts and autoscalers to the llm-manager.
import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's interval macros, which are not PromQL: replaced by a duration before parsing. */
const GRAFANA_MACROS = /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g;

/** Syntax errors of a PromQL expression (where they are), and the metric names its selectors name. */
export function parsePromQL(expr: string): { errors: string[]; metrics: string[] } {
  const text = expr.replace(GRAFANA_MACROS, '5m');
  const errors: string[] = [];
  const metrics = new Set<string>();
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: "${text.slice(node.from, node.to + 10)}"`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        metrics.add(text.slice(node.from, node.to));
    },
  });
  if (!text.trim()) errors.push('empty expression');
  return { errors, metrics: [...metrics] };
}

/** Grafana's label_values(<selector>, label) (a template variable's query): the selector, as PromQL. */
export function labelValuesSelector(query: string): string | undefined {
  return /^label_values\((.*),\s*\w+\)$/.exec(query.trim())?.[1];
}

/**
 * Every series name a /metrics page can serve, by its `# TYPE` lines (present even before a labelled series has
 * a sample): a histogram's or summary's name expands to its _bucket, _sum and _count series.
 */
export function servedSeries(text: string): Map<string, string> {
  const served = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    served.set(name, type);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) served.set(`${name}${suffix}`, type);
  }
  return served;
}
