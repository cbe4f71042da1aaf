// startManagerWithModels against a real `ownchat serve`: models written with equal options share one file, each
// name is imported with its own template and parameters and answers through real inference, and stop() leaves
// neither the models' folder nor the manager's store behind.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ollamaClient } from './managerProcess.ts';
import { type ManagerWithModels, startManagerWithModels } from './managerWithModels.ts';
import { DETERMINISTIC_ANSWER } from './models.ts';

const OTHER = 'Seven silver swans sing softly.';
let setup: ManagerWithModels;

beforeAll(async () => {
  setup = await startManagerWithModels(
    {
      det: 'det',
      'det-terse': { kind: 'det', system: 'Be terse.', parameters: { temperature: 0 } },
      other: { kind: 'det', options: { sentence: OTHER } },
      chatty: 'chatty',
      'chatty-too': { kind: 'random', shape: { vocab: 32000, seed: 7 } },
      small: { kind: 'random', shape: { vocab: 512, seed: 11 } },
    },
    { prefix: 'with-models' },
  );
});

afterAll(() => setup?.stop());

describe('startManagerWithModels', () => {
  it('writes one file per distinct set of options', () => {
    const f = setup.files;
    expect(f['det-terse']).toBe(f.det);
    expect(f['chatty-too']).toBe(f.chatty);
    expect(new Set([f.det, f.other, f.chatty, f.small]).size).toBe(4);
  });

  it('imports each name with its own options, and each answers', async () => {
    const client = ollamaClient(setup.manager.url);
    const names = (await client.list()).models.map((m) => m.name).sort();
    expect(names).toEqual(
      ['chatty', 'chatty-too', 'det', 'det-terse', 'other', 'small'].map((n) => `${n}:latest`).sort(),
    );
    const terse = await client.show({ model: 'det-terse' });
    expect({ system: terse.system, parameters: terse.parameters }).toMatchObject({
      system: 'Be terse.',
      parameters: expect.stringMatching(/temperature\s+0/),
    });
    const ask = (model: string) => client.chat({ model, messages: [{ role: 'user', content: 'Hi!' }] });
    expect((await ask('det-terse')).message.content).toBe(DETERMINISTIC_ANSWER);
    expect((await ask('other')).message.content).toBe(OTHER);
  });

  it('stop() removes the models folder and the manager store', async () => {
    const { dir } = setup;
    const store = setup.manager.modelsDir;
    await setup.stop();
    await expect(fs.access(dir)).rejects.toThrow();
    await expect(fs.access(store)).rejects.toThrow();
  });
});
