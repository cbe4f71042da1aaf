// How many CPUs this process may really use. Node 20's os.availableParallelism() reports the host's cores and
// ignores a container's CPU quota, so a pod limited to 2 CPUs on a 64-core node would start 64 threads and crawl.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Parses cgroup v2 `cpu.max` ("max 100000" or "200000 100000") into a CPU count, or undefined without a quota. */
export function cpusFromCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (!quota || quota === 'max' || !period) return undefined;
  const q = Number(quota);
  const p = Number(period);
  if (!(q > 0 && p > 0)) return undefined;
  return Math.max(1, Math.floor(q / p));
}

export function availableCpus(cpuMaxPath = '/sys/fs/cgroup/cpu.max'): number {
  const host = os.availableParallelism();
  let quota: number | undefined;
  try {
    quota = cpusFromCpuMax(readFileSync(cpuMaxPath, 'utf8'));
  } catch {
    // No cgroup v2 file (not in a container, or cgroup v1): the host's count is what we may use.
  }
  return Math.max(1, Math.min(host, quota ?? host));
}
