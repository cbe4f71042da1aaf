// A Modelfile's DRAFT line: read by the parser, and through `ownchat create` against a real llm-manager, the draft
// uploaded and kept as the model's draft layer (`ownchat show --modelfile` prints DRAFT), the answer the model's
// own; and each mistake (a missing file, FROM's file again, a draft of another vocabulary) one line naming it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  ownchat,
  sha256File,
  startManagerProcess,
  writeDeterministicModel,
  writeRandomModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelfile } from './modelfile.ts';

let server: ManagerProcess;
let dir: string;
const cli = (...args: string[]) => ownchat(args, { env: { OLLAMA_HOST: server.url }, cwd: dir });
const modelfile = (name: string, lines: string[]) => fs.writeFile(path.join(dir, name), lines.join('\n'));

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-draft-cli-'));
  await fs.mkdir(path.join(dir, 'weights'));
  await writeDeterministicModel(path.join(dir, 'weights', 'det.gguf'));
  // The same vocabulary and answer, other weights: a draft that guesses right.
  await writeDeterministicModel(path.join(dir, 'weights', 'draft.gguf'), { shape: { seed: 2 } });
  await writeRandomModel(path.join(dir, 'weights', 'other.gguf'), { vocab: 32000 });
  server = await startManagerProcess();
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the DRAFT instruction', () => {
  it('is read with its line, case-insensitively; a second one is refused', () => {
    expect(parseModelfile('FROM base\ndraft ./assistant.gguf\n').draft).toEqual({
      value: './assistant.gguf',
      line: 2,
    });
    expect(() => parseModelfile('FROM base\nDRAFT a.gguf\nDRAFT b.gguf')).toThrow(
      'Modelfile:3: a second DRAFT (the first is on line 2): a model has one draft',
    );
    expect(() => parseModelfile('FROM base\nDRAFT')).toThrow('Modelfile:2: DRAFT needs a value');
  });

  it('builds a model with its draft layer, shown by show --modelfile, answering as the model does', async () => {
    await modelfile('Modelfile', ['FROM ./weights/det.gguf', 'DRAFT ./weights/draft.gguf']);
    const r = await cli('create', 'spec');
    expect(r.stderr).toMatch(/success\n$/);
    expect(r.code).toBe(0);
    const digest = await sha256File(path.join(dir, 'weights', 'draft.gguf'));
    const shown = await cli('show', 'spec', '--modelfile');
    expect(shown.stdout).toMatch(
      new RegExp(
        `^FROM .+\\nDRAFT ${path.join(server.modelsDir, 'blobs', digest.replace(':', '-'))}\\n`,
        'm',
      ),
    );
    expect((await cli('run', 'spec', 'Hi')).stdout).toBe(`${DETERMINISTIC_ANSWER}\n`);
  });

  it.each([
    [
      'a DRAFT file that is not there',
      ['FROM ./weights/det.gguf', 'DRAFT ./weights/nope.gguf'],
      "ownchat: Modelfile:2: DRAFT ./weights/nope.gguf: no such file (a relative path is read from the Modelfile's folder)\n",
    ],
    [
      "FROM's own file as its DRAFT",
      ['FROM ./weights/det.gguf', 'DRAFT weights/det.gguf'],
      `ownchat: Modelfile:2: DRAFT must not reference the same local path as FROM: ${path.join('WEIGHTS', 'det.gguf')}\n`,
    ],
  ])("refuses %s, naming the Modelfile's line", async (_what, lines, stderr) => {
    await modelfile('Modelfile', lines);
    const r = await cli('create', 'bad');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(stderr.replace('WEIGHTS', path.join(dir, 'weights')));
  });

  it("passes on the server's refusal of a draft of another vocabulary", async () => {
    await modelfile('Modelfile', ['FROM ./weights/det.gguf', 'DRAFT ./weights/other.gguf']);
    const r = await cli('create', 'bad');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^ownchat: cannot create 'bad': the draft model other\.gguf cannot guess for this model: it has 32000 tokens/,
    );
  });
});
