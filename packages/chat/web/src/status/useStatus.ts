// The status page's live data: the server's history of readings on the first request, then only the readings
// after the last one the page has, every interval the server reads at. The page never reaches the llm-manager.
import { useEffect, useState } from 'react';
import type { StatusResponse } from '../../../src/api.ts';
import { api } from '../api.ts';

export function useStatus(): { status: StatusResponse | null; problem: string | null } {
  const [status, setStatus] = useState<StatusResponse | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: number | undefined;
    let wait = 5_000;
    const tick = async () => {
      try {
        const r = await api.status(last);
        if (stopped) return;
        wait = Math.max(1_000, r.intervalMs);
        last = r.samples.at(-1)?.t ?? last;
        setStatus((old) => {
          const samples = [...(old?.samples ?? []), ...r.samples];
          return { ...r, samples: samples.slice(Math.max(0, samples.length - r.capacity)) };
        });
        setProblem(null);
      } catch (e) {
        if (!stopped) setProblem((e as Error).message);
      } finally {
        if (!stopped) timer = setTimeout(() => void tick(), wait);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  return { status, problem };
}
