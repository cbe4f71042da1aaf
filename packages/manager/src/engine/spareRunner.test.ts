// The spare runner (spareRunner.ts): a real `ownchat serve` starts one runner process before any request, the
// first load goes to that very process (its "loading model" line names it), and once the load is over another
// spare is started; OWNCHAT_SPARE_RUNNER=0 starts no process before a request.

import { readFileSync } from 'node:fs';
import {
  childPids,
  DETERMINISTIC_ANSWER,
  type ManagerWithModels,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterEach, expect, it } from 'vitest';

let setup: ManagerWithModels | undefined;

afterEach(async () => {
  await setup?.stop();
  setup = undefined;
});

/** The manager's runner processes (not, say, a compiler service that tsx started). */
function runners(): number[] {
  return childPids(setup!.manager.child.pid!).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('runnerMain');
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** The runner processes once `ready` holds of them (bounded wait: 10 s), or the last seen. */
async function runnersWhen(ready: (pids: number[]) => boolean): Promise<number[]> {
  for (let i = 0; i < 400; i++) {
    const pids = runners();
    if (ready(pids)) return pids;
    await new Promise((r) => setTimeout(r, 25));
  }
  return runners();
}

async function chat(): Promise<string> {
  const res = await fetch(`${setup!.manager.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model: 'det', stream: false, messages: [{ role: 'user', content: 'Hi!' }] }),
    signal: AbortSignal.timeout(60_000),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { message: { content: string } }).message.content;
}

const loadedOn = () => Number(/"pid":(\d+)[^\n]*"msg":"loading model"/.exec(setup!.manager.output())?.[1]);

it('loads the first model on the runner started before the request, then starts the next spare', async () => {
  // On by default; the test settings (vitest.config.ts) turn it off for every other test.
  setup = await startManagerWithModels(
    { det: 'det' },
    { prefix: 'spare-runner', env: { OWNCHAT_SPARE_RUNNER: '1' } },
  );
  const [spare, ...others] = await runnersWhen((pids) => pids.length > 0);
  expect(spare).toBeDefined();
  expect(others).toEqual([]);
  expect(await chat()).toBe(DETERMINISTIC_ANSWER);
  expect(loadedOn()).toBe(spare);
  const after = await runnersWhen((pids) => pids.length === 2);
  expect(after).toContain(spare);
  expect(after).toHaveLength(2);
});

it('starts no runner before a request with OWNCHAT_SPARE_RUNNER=0', async () => {
  setup = await startManagerWithModels(
    { det: 'det' },
    { prefix: 'spare-runner-off', env: { OWNCHAT_SPARE_RUNNER: '0' } },
  );
  // Time enough for a spare to have been forked, were one kept.
  await new Promise((r) => setTimeout(r, 500));
  expect(runners()).toEqual([]);
  expect(await chat()).toBe(DETERMINISTIC_ANSWER);
  expect(runners()).toEqual([loadedOn()]);
});
