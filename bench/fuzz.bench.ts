// The fuzz suites' long run (issue 19): the same generated requests as packages/manager/src/fuzz and
// packages/chat/src/fuzz, many more of them, and a server that crashes is started again so that every crash is
// counted rather than only the first. Counts: OWNCHAT_FUZZ_BENCH_MANAGER (default 3000) and
// OWNCHAT_FUZZ_BENCH_CHAT (default 1500) requests; OWNCHAT_FUZZ_BENCH_SEED picks another sample. There is no
// reference to measure against: the ratio is 1 when the run met the goal (no crash, no hang, no dropped
// connection, no undocumented 5xx outside the known failures the harden branch fixes) and 0 when it did not.
import { type FuzzTotals, summarize } from '@ownchat/testkit';
import { fuzzChat } from '../packages/chat/src/fuzz/chatFuzz.ts';
import { fuzzManager, MANAGER_KNOWN_DESTRUCTIVE } from '../packages/manager/src/fuzz/managerFuzz.ts';
import type { Benchmark } from './run.ts';

const count = (name: string, fallback: number) => Number(process.env[name]) || fallback;

function figures(t: FuzzTotals) {
  const brief = (list: FuzzTotals['crashes']) =>
    list.map((o) => ({
      kind: o.kind,
      status: o.status,
      known: o.known,
      request: `${o.request.method} ${o.request.path.slice(0, 200)}`,
      body: typeof o.request.body === 'string' ? o.request.body.slice(0, 300) : o.request.body?.byteLength,
      answer: o.excerpt.slice(0, 200),
    }));
  return {
    requests: t.tried,
    status_2xx: t.status2xx,
    status_4xx: t.status4xx,
    status_5xx: t.status5xx,
    documented_5xx: t.documented5xx,
    undocumented_5xx: t.undocumented5xx.length,
    hangs: t.hangs.length,
    crashes: t.crashes.length,
    dropped: t.dropped.length,
    known_failures: t.known.length,
    seconds: Number(t.seconds.toFixed(1)),
    by_status: t.byStatus,
    failures: brief([...t.crashes, ...t.hangs, ...t.dropped, ...t.undocumented5xx]),
    known: brief(t.known.slice(0, 20)),
    documented_5xx_answers: brief(t.documented5xxOutcomes.slice(0, 10)),
  };
}

const clean = (t: FuzzTotals) =>
  t.crashes.length + t.hangs.length + t.dropped.length + t.undocumented5xx.length === 0;

async function run() {
  const seed = count('OWNCHAT_FUZZ_BENCH_SEED', 2026);
  const manager = await fuzzManager({
    count: count('OWNCHAT_FUZZ_BENCH_MANAGER', 3000),
    seed,
    timeoutMs: 30_000,
    restartAfterCrash: true,
    log: (l) => console.log(l),
  });
  console.log(`  llm-manager: ${summarize(manager.totals)}; chat afterwards: ${manager.chatAfter}`);
  const chat = await fuzzChat({
    count: count('OWNCHAT_FUZZ_BENCH_CHAT', 1500),
    seed,
    timeoutMs: 30_000,
    restartAfterCrash: true,
    log: (l) => console.log(l),
  });
  console.log(`  chatbot: ${summarize(chat.totals)}; chat afterwards: ${chat.chatAfter}`);
  return {
    ratio: clean(manager.totals) && clean(chat.totals) ? 1 : 0,
    goal: 1,
    metrics: {
      seed,
      request_timeout_ms: 30_000,
      not_generated_until_harden_lands: [...MANAGER_KNOWN_DESTRUCTIVE],
      manager: { ...figures(manager.totals), chat_afterwards: manager.chatAfter },
      chatbot: { ...figures(chat.totals), chat_afterwards: chat.chatAfter },
    },
  };
}

const bench: Benchmark = {
  name: 'fuzz',
  description:
    'generated requests to every route of the llm-manager and the chatbot: crashes, hangs and undocumented 5xx (ratio 1 = none)',
  run,
};
export default bench;
