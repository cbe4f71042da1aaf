// The spare runner (spareRunner.ts): a real `ownchat serve` starts one runner process before any request, the
// first load goes to that very process (its "loading model" line names it), and once the load and the model's
// first answer are over another spare is started, which has opened the engine and read the header of the model
// loaded last, so that model's next load skips both; OWNCHAT_SPARE_RUNNER=0 starts no process before a request.
// A runner, spare or not, has one libuv worker whatever the manager's own setting.

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

async function chat(keepAlive?: number): Promise<string> {
  const res = await fetch(`${setup!.manager.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({
      model: 'det',
      stream: false,
      messages: [{ role: 'user', content: 'Hi!' }],
      ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
    }),
    signal: AbortSignal.timeout(60_000),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { message: { content: string } }).message.content;
}

const loadedOn = () => Number(/"pid":(\d+)[^\n]*"msg":"loading model"/.exec(setup!.manager.output())?.[1]);

/** What each "model loaded" line says the spare had prepared, in order. */
const prepared = () =>
  setup!.manager
    .output()
    .split('\n')
    .filter((l) => l.includes('"msg":"model loaded"'))
    .map((l) => (JSON.parse(l) as { prepared?: string[] }).prepared);

it('loads the first model on the runner started before the request, then starts the next spare', async () => {
  // On by default; the test settings (vitest.config.ts) turn it off for every other test.
  setup = await startManagerWithModels(
    { det: 'det' },
    // The manager's own libuv thread pool size is not the runners' (runnerProcess.ts: they decode on one).
    { prefix: 'spare-runner', env: { OWNCHAT_SPARE_RUNNER: '1', UV_THREADPOOL_SIZE: '4' } },
  );
  const [spare, ...others] = await runnersWhen((pids) => pids.length > 0);
  expect(spare).toBeDefined();
  expect(others).toEqual([]);
  expect(await chat()).toBe(DETERMINISTIC_ANSWER);
  expect(loadedOn()).toBe(spare);
  expect(readFileSync(`/proc/${spare}/environ`, 'utf8').split('\0')).toContain('UV_THREADPOOL_SIZE=1');
  const after = await runnersWhen((pids) => pids.length === 2);
  expect(after).toContain(spare);
  expect(after).toHaveLength(2);
  // The store was empty when the first spare started: it opened the engine, and had no header to read.
  expect(prepared()).toEqual([['engine']]);

  // Once the model is unloaded (keep_alive 0 ends its runner), its next load goes to the new spare, which read
  // its header meanwhile.
  const [next] = after.filter((pid) => pid !== spare);
  expect(await chat(0)).toBe(DETERMINISTIC_ANSWER);
  expect(await runnersWhen((pids) => !pids.includes(spare!))).toEqual([next]);
  expect(await chat()).toBe(DETERMINISTIC_ANSWER);
  expect(prepared()).toEqual([['engine'], ['engine', 'header']]);
}, 120_000);

it("starts the next spare only once the model's first answer is over, not beside it", async () => {
  setup = await startManagerWithModels(
    { chatty: { kind: 'chatty', parameters: { num_predict: 400 } } },
    { prefix: 'spare-runner-later', env: { OWNCHAT_SPARE_RUNNER: '1' } },
  );
  const [spare] = await runnersWhen((pids) => pids.length > 0);
  const res = await fetch(`${setup.manager.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model: 'chatty', prompt: 'Talk.' }),
    signal: AbortSignal.timeout(60_000),
  });
  const reader = res.body!.getReader();
  let text = '';
  const decoder = new TextDecoder();
  // The answer streams on the spare the load took; no other runner process while it does.
  while (!text.includes('"response"')) text += decoder.decode((await reader.read()).value);
  expect(runners()).toEqual([spare]);
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
  expect(text).toContain('"done":true');
  expect(await runnersWhen((pids) => pids.length === 2)).toHaveLength(2);
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
