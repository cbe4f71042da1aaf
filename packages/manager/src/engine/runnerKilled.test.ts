// A model runner killed while it loads its model (issue 19, kill tests): the request waiting for it gets a clear
// error naming the model and what happened, the llm-manager carries on, and the next request starts a fresh
// runner that loads the model and answers. Real `ownchat serve`, real runner processes, SIGKILL from outside.
import {
  childPids,
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

let setup: ManagerWithModels;
let server: ManagerProcess;

beforeAll(async () => {
  setup = await startManagerWithModels({ det: 'det' }, { prefix: 'runner-killed' });
  server = setup.manager;
});

afterAll(() => setup?.stop());

const chat = () =>
  fetch(`${server.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model: 'det', stream: false, messages: [{ role: 'user', content: 'Hi!' }] }),
    signal: AbortSignal.timeout(60_000),
  });

/**
 * The runner the llm-manager loads the model on next, as soon as its "loading model" line names it (bounded
 * wait): a spare runner started ahead of the request (spareRunner.ts), or a new one.
 */
async function nextRunner(since: number): Promise<number> {
  for (let i = 0; i < 2000; i++) {
    const pid = /"pid":(\d+)[^\n]*"msg":"loading model"/.exec(server.output().slice(since))?.[1];
    if (pid && childPids(server.child.pid!).includes(Number(pid))) return Number(pid);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no runner started within 10 s:\n${server.output().slice(-2000)}`);
}

it('gives the waiting request a clear error when its runner is killed mid-load, and loads it again next time', async () => {
  const since = server.output().length;
  const first = chat();
  const runner = await nextRunner(since);
  // The runner has only just been sent the model to load (its "loading model" line): it has not loaded it yet.
  process.kill(runner, 'SIGKILL');
  const res = await first;
  const body = (await res.json()) as { error?: string };
  expect(res.status).toBe(500);
  expect(body.error).toMatch(/^failed to load det(:latest)?: the runner was killed by SIGKILL/);
  expect(server.child.exitCode).toBeNull();

  const second = await chat();
  expect(second.status).toBe(200);
  expect(((await second.json()) as { message: { content: string } }).message.content).toBe(
    DETERMINISTIC_ANSWER,
  );
  // One runner again, the new one; the killed one is gone.
  expect(childPids(server.child.pid!)).not.toContain(runner);
});
