// Reading the llm-manager's /metrics text and estimating time-to-first-token quantiles between two readings, as
// Prometheus' histogram_quantile does.
import { describe, expect, it } from 'vitest';
import { bucketsByModel, byLabel, quantileBetween, readMetrics, total } from './metricsText.ts';

const TEXT = `# HELP vllm:num_requests_running Requests generating now
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running 3
ownchat_time_to_first_token_seconds_bucket{le="0.1",model="a:latest"} 1
ownchat_time_to_first_token_seconds_bucket{le="0.5",model="a:latest"} 3
ownchat_time_to_first_token_seconds_bucket{le="1",model="a:latest"} 4
ownchat_time_to_first_token_seconds_bucket{le="+Inf",model="a:latest"} 4
ownchat_time_to_first_token_seconds_count{model="a:latest"} 4
ownchat_time_to_first_token_seconds_count{model="we \\"quoted\\""} 2
ownchat_http_requests_total{route="/api/chat",method="POST",status="200"} 9
`;

const WANTED = new Set([
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'ownchat_time_to_first_token_seconds_bucket',
  'ownchat_time_to_first_token_seconds_count',
]);

describe('readMetrics', () => {
  it('keeps the wanted series with their labels, unescaped, and nothing else', () => {
    const scrape = readMetrics(TEXT, WANTED);
    expect(total(scrape, 'vllm:num_requests_running')).toBe(3);
    // Absent (an older llm-manager, or Ollama): unknown, not zero.
    expect(total(scrape, 'vllm:num_requests_waiting')).toBeNull();
    expect(scrape.has('ownchat_http_requests_total')).toBe(false);
    expect([...byLabel(scrape, 'ownchat_time_to_first_token_seconds_count', 'model')]).toEqual([
      ['a:latest', 4],
      ['we "quoted"', 2],
    ]);
    const buckets = bucketsByModel(scrape, 'ownchat_time_to_first_token_seconds').get('a:latest')!;
    expect([...buckets]).toEqual([
      [0.1, 1],
      [0.5, 3],
      [1, 4],
      [Number.POSITIVE_INFINITY, 4],
    ]);
  });
});

const buckets = (counts: [number, number][]) => new Map(counts);

describe('quantileBetween', () => {
  const before = buckets([
    [0.1, 1],
    [0.5, 1],
    [1, 1],
    [Number.POSITIVE_INFINITY, 1],
  ]);
  const after = buckets([
    [0.1, 1],
    [0.5, 3],
    [1, 5],
    [Number.POSITIVE_INFINITY, 5],
  ]);

  it('estimates within the bucket the rank falls in, from the observations in between only', () => {
    // Four observations in between: two in (0.1, 0.5], two in (0.5, 1].
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.5);
    expect(quantileBetween(before, after, 0.25)).toBeCloseTo(0.3);
    expect(quantileBetween(before, after, 0.95)).toBeCloseTo(0.95);
  });

  it('says nothing when nothing was observed in between', () => {
    expect(quantileBetween(after, after, 0.5)).toBeUndefined();
  });

  it('gives the largest finite bound when the rank falls in +Inf', () => {
    const slow = buckets([
      [0.1, 0],
      [1, 0],
      [Number.POSITIVE_INFINITY, 2],
    ]);
    expect(quantileBetween(undefined, slow, 0.5)).toBe(1);
  });

  it('counts from zero when the counters went down (the llm-manager restarted)', () => {
    const restarted = buckets([
      [0.1, 0],
      [0.5, 2],
      [1, 2],
      [Number.POSITIVE_INFINITY, 2],
    ]);
    expect(quantileBetween(after, restarted, 0.5)).toBeCloseTo(0.3);
  });
});
