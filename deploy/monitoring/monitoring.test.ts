// deploy/monitoring against a real llm-manager: every query of the Grafana dashboard, the alerts and scale-out's
// autoscaler parses as PromQL and names only series the manager's /metrics serves (read from a running one, with
// the labels it gives them). The CRs themselves are validated with the scale-out overlay (manifests.test.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type ManagerWithModels,
  ollamaClient,
  parsePrometheus,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, KUSTOMIZE_DIR, render } from '../kustomize/render.ts';
import { labelValuesSelector, parsePromQL, servedSeries } from './promql.ts';

// biome-ignore lint/suspicious/noExplicitAny: parts of the dashboard JSON and of rendered objects
type Any = any;

const dashboard = JSON.parse(readFileSync(path.join(import.meta.dirname, 'grafana-dashboard.json'), 'utf8'));
/** Labels Prometheus adds to every scraped series (the target's), not the manager's own. */
const TARGET_LABELS = new Set(['job', 'namespace', 'pod', 'instance', 'service', 'endpoint', 'container']);

let running: ManagerWithModels;
let served: Map<string, string>;
/** The label names each series carries in the scrape, after a chat (histograms and counters have samples). */
const labelsOf = new Map<string, Set<string>>();
let objects: K8sObject[];

beforeAll(async () => {
  running = await startManagerWithModels({ det: 'det' }, { prefix: 'monitoring' });
  await ollamaClient(running.manager.url).chat({ model: 'det', messages: [{ role: 'user', content: 'Hi' }] });
  const text = await (await fetch(`${running.manager.url}/metrics`)).text();
  served = servedSeries(text);
  for (const s of parsePrometheus(text)) {
    const set = labelsOf.get(s.name) ?? new Set<string>();
    for (const k of Object.keys(s.labels)) set.add(k);
    labelsOf.set(s.name, set);
  }
  objects = await render(path.join(KUSTOMIZE_DIR, 'overlays/scale-out'));
}, 120_000);

afterAll(async () => {
  await running?.stop();
});

/** Every PromQL query in monitoring, where it comes from. */
function queries(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const panel of dashboard.panels)
    for (const t of panel.targets) out.push({ where: `panel "${panel.title}" ${t.refId}`, expr: t.expr });
  for (const v of dashboard.templating.list.filter((x: Any) => x.type === 'query')) {
    const selector = labelValuesSelector(v.query.query);
    expect(selector, `variable ${v.name}`).toBeDefined();
    out.push({ where: `variable ${v.name}`, expr: selector! });
  }
  const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
  for (const g of rule.spec.groups)
    for (const r of g.rules) out.push({ where: `alert ${r.alert}`, expr: r.expr });
  const scaled = objects.find((o) => o.kind === 'ScaledObject')!;
  for (const t of scaled.spec.triggers) out.push({ where: 'scale-out autoscaler', expr: t.metadata.query });
  return out;
}

/** Label names the selectors of an expression match on, by metric. */
function matchedLabels(expr: string): { metric: string; label: string }[] {
  const out: { metric: string; label: string }[] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
    for (const l of m[2]!.matchAll(/(\w+)\s*(=~|!~|!=|=)/g)) out.push({ metric: m[1]!, label: l[1]! });
  }
  return out;
}

describe('the checker', () => {
  it('finds syntax errors and names metrics, colons included', () => {
    expect(parsePromQL('sum(rate(x[5m]) by').errors).not.toEqual([]);
    expect(parsePromQL('sum by (model) (rate(a_total{job="x"}[$__rate_interval])) / vllm:b').metrics).toEqual(
      ['a_total', 'vllm:b'],
    );
    expect(servedSeries('# TYPE h histogram\n# TYPE g gauge\n').get('h_bucket')).toBe('histogram');
  });
});

describe('monitoring queries', () => {
  it('all parse as PromQL', () => {
    const all = queries();
    expect(all.length).toBeGreaterThan(15);
    const errors = all.flatMap(({ where, expr }) => parsePromQL(expr).errors.map((e) => `${where}: ${e}`));
    expect(errors).toEqual([]);
  });

  it('name only series a running llm-manager serves', () => {
    const used = new Set<string>();
    const unknown: string[] = [];
    for (const { where, expr } of queries()) {
      const { metrics } = parsePromQL(expr);
      expect(metrics.length, `${where} names a metric`).toBeGreaterThan(0);
      for (const m of metrics) {
        used.add(m);
        if (!served.has(m)) unknown.push(`${where}: ${m}`);
      }
    }
    expect(unknown).toEqual([]);
    // What the issue asks to watch is there: the gateway gauges, tokens, first-token latency, loads.
    for (const m of [
      'vllm:num_requests_waiting',
      'vllm:num_requests_running',
      'vllm:kv_cache_usage_perc',
      'ownchat_generated_tokens_total',
      'ownchat_time_to_first_token_seconds_bucket',
      'ownchat_model_loads_total',
      'ownchat_model_memory_bytes',
    ])
      expect(used, m).toContain(m);
  });

  it('match only on labels the manager gives those series (or the scrape target adds)', () => {
    const wrong: string[] = [];
    for (const { where, expr } of queries()) {
      for (const { metric, label } of matchedLabels(expr)) {
        if (TARGET_LABELS.has(label)) continue;
        const own = labelsOf.get(metric);
        if (!own?.has(label)) wrong.push(`${where}: ${metric} has no label ${label}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(matchedLabels('ownchat_model_loads_total{job="x", outcome="failed"}')).toEqual([
      { metric: 'ownchat_model_loads_total', label: 'job' },
      { metric: 'ownchat_model_loads_total', label: 'outcome' },
    ]);
  });
});

describe('alerts', () => {
  it('warn of a growing queue, a model that keeps failing to load, and requests without tokens', () => {
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    const alerts = Object.fromEntries(
      rule.spec.groups.flatMap((g: Any) => g.rules.map((r: Any) => [r.alert, r])),
    );
    expect(Object.keys(alerts).sort()).toEqual([
      'OwnchatModelKeepsFailingToLoad',
      'OwnchatNoTokensWhileRequestsRun',
      'OwnchatQueueGrowing',
    ]);
    expect(alerts.OwnchatQueueGrowing.for).toBe('5m');
    expect(alerts.OwnchatNoTokensWhileRequestsRun.for).toBe('5m');
    expect(alerts.OwnchatModelKeepsFailingToLoad.expr).toMatch(/outcome="failed"/);
    for (const a of Object.values(alerts) as Any[]) {
      expect(['warning', 'critical']).toContain(a.labels.severity);
      expect(a.annotations.summary).toMatch(/\{\{ \$labels\.pod \}\}/);
      expect(a.annotations.description.length).toBeGreaterThan(40);
    }
  });
});

describe('scrape', () => {
  it('scrapes job llm-manager, the Service the alerts, dashboard and autoscaler select, with the API key', () => {
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor')!;
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'llm-manager')!;
    expect(
      objects.filter(
        (o) =>
          o.kind === 'Service' &&
          Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
      ),
    ).toEqual([service]);
    expect(service.spec.ports.map((p: Any) => p.name)).toContain(monitor.spec.endpoints[0].port);
    for (const { where, expr } of queries())
      for (const { label } of matchedLabels(expr).filter((x) => x.label === 'job'))
        expect(expr, `${where} ${label}`).toMatch(new RegExp(`job="${service.metadata.name}"`));
    const secret = objects.find(
      (o) => o.kind === 'Secret' && o.metadata.name.startsWith('ownchat-api-keys'),
    )!;
    expect(monitor.spec.endpoints[0].authorization).toEqual({
      type: 'Bearer',
      credentials: { name: secret.metadata.name, key: 'OWNCHAT_API_KEY' },
    });
  });

  it('lets Prometheus (namespace monitoring) reach the llm-managers', () => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'llm-manager')!;
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ port: 'http', protocol: 'TCP' }],
    });
  });
});
