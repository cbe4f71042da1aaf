// OWNCHAT_DRAFT_MODEL pairs a model with a draft model that guesses for it: through the whole server, the draft
// is loaded with its target and its guesses (verified by the target) are counted, by default as with a draft
// layer (draftLayer.test.ts), while the answer stays the target's; a pairing whose draft is not here is refused
// with a message that names the setting, and a draft of another vocabulary with one that says so.
import {
  type ManagerWithModels,
  metricValue,
  ollamaClient,
  parsePrometheus,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

let setup: ManagerWithModels;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', chatty: 'chatty', tiny: 'random' },
    {
      prefix: 'draft',
      // The deterministic model is its own draft: sure of every token, so its guesses are right.
      env: { OLLAMA_NUM_PARALLEL: '1', OWNCHAT_DRAFT_MODEL: 'det=det:latest, chatty=missing, tiny=chatty' },
    },
  );
});

afterAll(() => setup?.stop());

const accepted = async () =>
  metricValue(
    parsePrometheus(await (await fetch(`${setup.manager.url}/metrics`)).text()),
    'ownchat_draft_tokens_total',
    { model: 'det:latest', outcome: 'accepted' },
  );

it('answers as the target does, with the draft’s guesses accepted', async () => {
  const client = ollamaClient(setup.manager.url);
  const ask = (draft_max?: number) =>
    client.chat({
      model: 'det',
      messages: [{ role: 'user', content: 'Hello' }],
      // draft_max is ownchat's own option: the ollama client's Options type does not know it.
      options: { temperature: 0, ...(draft_max !== undefined && { draft_max }) } as Record<string, number>,
    });
  const before = await accepted();
  const plain = await ask(0);
  expect(await accepted()).toBe(before);
  const fast = await ask(4);
  expect(fast.message.content).toBe(plain.message.content);
  expect(fast.eval_count).toBe(plain.eval_count);
  expect(await accepted()).toBeGreaterThan(before);
  // Paired, the draft guesses without being asked (draft_num_predict's default with a draft model, 4).
  const was = await accepted();
  expect((await ask()).message.content).toBe(plain.message.content);
  expect(await accepted()).toBeGreaterThan(was);
});

/** A chat with `model` that fails: the status and the error's text. */
async function chatFailure(model: string): Promise<{ status: number; error: string }> {
  const res = await fetch(`${setup.manager.url}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], stream: false }),
  });
  return { status: res.status, error: ((await res.json()) as { error: string }).error };
}

it('refuses a model whose draft is not here, naming the setting', async () => {
  const { status, error } = await chatFailure('chatty');
  expect(status).toBe(500);
  expect(error).toMatch(
    /OWNCHAT_DRAFT_MODEL names "missing" as the draft model for "chatty", and there is no such model here/,
  );
});

it('refuses to load a draft of another vocabulary, saying why', async () => {
  const { status, error } = await chatFailure('tiny');
  expect(status).toBe(500);
  expect(error).toMatch(
    /the draft model cannot guess for this model: it has 32000 tokens and the model 512\. A draft must share its model's tokenizer/,
  );
});
