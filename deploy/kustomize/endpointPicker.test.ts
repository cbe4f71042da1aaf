// What scale-out's endpoint picker reads, against a running llm-manager started with the overlay's settings.
// The Gateway API Inference Extension's model-server protocol
// (docs/proposals/003-model-server-protocol/README.md, v1.5.0/v1.6.0) asks for three gauges: TotalQueuedRequests,
// TotalRunningRequests and KVCacheUtilization (vLLM's names by default); optional cache-block info
// (vllm:cache_config_info) and LoRA adapter info (vllm:lora_requests_info) only from servers that have them.
// The picker scrapes /metrics over plain HTTP, with no credentials (its metrics data source sends none).
// How the gauges move under real requests is tested in packages/manager/src/ops/metrics.test.ts.
import path from 'node:path';
import { type ManagerProcess, parsePrometheus, startManagerProcess } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { servedSeries } from '../monitoring/promql.ts';
import { type K8sObject, KUSTOMIZE_DIR, render } from './render.ts';

// biome-ignore lint/suspicious/noExplicitAny: the picker's config, as YAML
type Any = any;

let objects: K8sObject[];
let manager: ManagerProcess;
let config: Any;

const find = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)!;

beforeAll(async () => {
  objects = await render(path.join(KUSTOMIZE_DIR, 'overlays/scale-out'));
  const container = find('StatefulSet', 'llm-manager').spec.template.spec.containers[0];
  const open = container.env.find((e: Any) => e.name === 'OWNCHAT_METRICS_OPEN').value;
  // The overlay's setting, with an API key set as a real deployment has one.
  manager = await startManagerProcess({
    env: { OWNCHAT_API_KEYS: 'a-key-the-picker-lacks', OWNCHAT_METRICS_OPEN: open },
  });
  config = parseYaml(find('ConfigMap', 'llm-manager-epp').data['epp.yaml']);
}, 120_000);

afterAll(async () => {
  await manager?.stop();
});

const plugin = (type: string) => config.plugins.find((p: Any) => p.type === type);

/** A scrape as the picker makes it: the pool's target port, the data source's scheme and path, no key. */
async function scrapeAsPicker(): Promise<string> {
  const source = plugin('metrics-data-source').parameters;
  expect(source.scheme).toBe('http');
  const res = await fetch(`${manager.url}${source.path}`);
  expect(res.status, 'the picker cannot send an API key').toBe(200);
  return res.text();
}

describe("the endpoint picker's metrics, from a running llm-manager", () => {
  it('are served without a key as gauges with one unlabelled series per replica, in range', async () => {
    const text = await scrapeAsPicker();
    const types = servedSeries(text);
    const samples = parsePrometheus(text);
    const extractor = plugin('core-metrics-extractor').parameters;
    const engine = extractor.engineConfigs.find((e: Any) => e.name === extractor.defaultEngine);
    const specs = [engine.queuedRequestsSpec, engine.runningRequestsSpec, engine.kvUsageSpec];
    expect(specs).toEqual([
      'vllm:num_requests_waiting',
      'vllm:num_requests_running',
      'vllm:kv_cache_usage_perc',
    ]);
    for (const name of specs) {
      expect(types.get(name), name).toBe('gauge');
      const series = samples.filter((s) => s.name === name);
      expect(
        series.map((s) => s.labels),
        name,
      ).toEqual([{}]);
      expect(series[0]!.value, name).toBeGreaterThanOrEqual(0);
    }
    const kv = samples.find((s) => s.name === engine.kvUsageSpec)!.value;
    expect(kv).toBeLessThanOrEqual(1); // a fraction, as vLLM's: the protocol's "percentage" is 0..1 there too
    // The name older pickers read is the same gauge.
    expect(types.get('vllm:gpu_cache_usage_perc')).toBe('gauge');
  });

  it('turns off the optional LoRA and cache-block metrics, which the llm-manager does not serve', async () => {
    const types = servedSeries(await scrapeAsPicker());
    const extractor = plugin('core-metrics-extractor').parameters;
    const engine = extractor.engineConfigs.find((e: Any) => e.name === extractor.defaultEngine);
    // Served or not, the config must agree: a spec for a missing metric is an error on every scrape.
    expect(types.has('vllm:lora_requests_info')).toBe(false);
    expect(types.has('vllm:cache_config_info')).toBe(false);
    expect(engine.loraSpec).toBe('');
    expect(engine.cacheInfoSpec).toBe('');
  });

  it("applies that engine to the pool's pods, and passes Ollama's API through unparsed", () => {
    const extractor = plugin('core-metrics-extractor').parameters;
    const labels = find('StatefulSet', 'llm-manager').spec.template.metadata.labels;
    expect(labels['inference.networking.k8s.io/engine-type']).toBe(extractor.defaultEngine);
    expect(config.parser.pluginRef).toBe('passthrough-parser');
    expect(plugin('passthrough-parser')).toBeDefined();
    // Every plugin a profile names is declared (by name, or by type where it has no name).
    const declared = new Set(config.plugins.map((p: Any) => p.name ?? p.type));
    for (const profile of config.schedulingProfiles)
      for (const p of profile.plugins) expect(declared, p.pluginRef).toContain(p.pluginRef);
    // No scorer that needs a parsed OpenAI body.
    expect(declared.has('prefix-cache-scorer')).toBe(false);
  });
});
