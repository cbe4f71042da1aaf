// A conversation's next turn reuses what the runner already evaluated: only the new part of the prompt is
// evaluated, so time to first token stays flat as turns grow. Read from the manager's debug log, which reports
// each prompt's size and the part evaluated anew.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importModel, ollamaClient, startManagerProcess, writeDeterministicModel } from '@ownchat/testkit';
import { expect, it } from 'vitest';

it('evaluates only the new part of the prompt on each turn of a conversation', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-reuse-'));
  const server = await startManagerProcess({ env: { OWNCHAT_LOG_LEVEL: 'debug', OLLAMA_NUM_PARALLEL: '2' } });
  try {
    await importModel(server.url, 'det', (await writeDeterministicModel(path.join(dir, 'det.gguf'))).path);
    const client = ollamaClient(server.url);
    const messages: { role: string; content: string }[] = [];
    for (let turn = 0; turn < 6; turn++) {
      messages.push({ role: 'user', content: `This is turn number ${turn} of our conversation.` });
      messages.push((await client.chat({ model: 'det', messages })).message);
      // Another conversation in between must not evict this one's evaluated tokens (two sequences).
      await client.chat({ model: 'det', messages: [{ role: 'user', content: `Unrelated ${turn}` }] });
    }
    const turns = server
      .output()
      .split('\n')
      .filter((l) => l.includes('"prompt evaluated'))
      .map((l) => JSON.parse(l) as { promptTokens: number; promptEvaluated: number })
      .filter((_, i) => i % 2 === 0); // this conversation's turns
    expect(turns).toHaveLength(6);
    const [first, ...later] = turns;
    expect(first!.promptEvaluated).toBeGreaterThanOrEqual(first!.promptTokens - 1); // all of it, give or take the last token
    for (const t of later) {
      // The prompt grows each turn; the evaluated part stays the size of one new turn.
      expect(t.promptEvaluated).toBeLessThan(first!.promptTokens * 2);
      expect(t.promptEvaluated).toBeLessThan(t.promptTokens / 2);
    }
    expect(later.at(-1)!.promptTokens).toBeGreaterThan(first!.promptTokens * 4);
  } finally {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
