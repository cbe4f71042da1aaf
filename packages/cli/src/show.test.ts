// `ownchat show` against a real llm-manager: Ollama's default view, one part with a flag, --json for scripts.
import { ollamaClient } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { notFound, useTestServer } from './testServer.ts';

const t = useTestServer({
  system: 'You are terse.\nAnswer in one line.\nNever apologise.',
  parameters: { temperature: 0.5, stop: ['<|im_end|>', 'END'] },
});
const cli = t.cli;

describe('ownchat show', () => {
  it("prints Ollama's view: model, capabilities, parameters and the system prompt's first lines", async () => {
    const r = await cli('show', 'det');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '  Model',
        '    architecture        llama',
        '    parameters          107K',
        '    context length      2048',
        '    embedding length    64',
        '    quantization        F32',
        '',
        '  Capabilities',
        '    completion',
        '',
        '  Parameters',
        '    temperature    0.5',
        '    stop           "<|im_end|>"',
        '    stop           "END"',
        '',
        '  System',
        '    You are terse.',
        '    Answer in one line.',
        '    ...',
        '',
        '',
      ].join('\n'),
    );
  });

  it('prints one part raw with --modelfile, --template, --parameters, --system or --license', async () => {
    const api = await ollamaClient(t.server.url).show({ model: 'det' });
    const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
    expect((await cli('show', 'det', '--modelfile')).stdout).toBe(withNewline(api.modelfile));
    expect((await cli('show', 'det', '--modelfile')).stdout).toMatch(/^FROM \/.*\nTEMPLATE """/m);
    expect((await cli('show', 'det', '--template')).stdout).toBe(withNewline(api.template));
    expect((await cli('show', 'det', '--parameters')).stdout).toBe(withNewline(api.parameters));
    expect((await cli('show', 'det', '--system')).stdout).toBe(
      'You are terse.\nAnswer in one line.\nNever apologise.\n',
    );
    expect(await cli('show', 'det', '--license')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it("gives scripts the server's whole answer with --json", async () => {
    const r = await cli('show', 'det', '--json');
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(JSON.stringify(await ollamaClient(t.server.url).show({ model: 'det' }))),
    );
  });

  it('takes one part at a time, and says so', async () => {
    const r = await cli('show', 'det', '--system', '--template');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'ownchat: give only one of --modelfile, --template, --parameters, --system, --license or --json\n',
    });
  });

  it('says how to get a model that is not there', async () => {
    const r = await cli('show', 'llama3:8b');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(notFound('llama3:8b'));
  });
});
