// `ownchat create NAME -f Modelfile` against a real llm-manager: FROM a GGUF file (uploaded once as a blob) or
// FROM a model, the Modelfile's instructions landing in the model, and each mistake as one line that names it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  ollamaClient,
  ownchat,
  sha256File,
  startManagerProcess,
  writeDeterministicModel,
  writeProjector,
  writeRandomModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notFound } from './testServer.ts';

let server: ManagerProcess;
let dir: string;
let digest: string;
const cli = (...args: string[]) => ownchat(args, { env: { OLLAMA_HOST: server.url }, cwd: dir });
const modelfile = (name: string, text: string) => fs.writeFile(path.join(dir, name), text);
const blobUploads = () => server.output().match(/"method":"POST","url":"\/api\/blobs\/sha256:/g)?.length ?? 0;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-create-'));
  await fs.mkdir(path.join(dir, 'weights'));
  const det = await writeDeterministicModel(path.join(dir, 'weights', 'det.gguf'));
  digest = await sha256File(det.path);
  server = await startManagerProcess();
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ownchat create', () => {
  it('builds a model FROM a GGUF file, with its template, system prompt, parameters and license', async () => {
    await modelfile(
      'Modelfile',
      [
        '# the deterministic test model',
        'FROM ./weights/det.gguf',
        'PARAMETER temperature 0.3',
        'PARAMETER num_predict 64',
        'PARAMETER stop "<|im_end|>"',
        'SYSTEM """You are terse.',
        'One line only."""',
        'LICENSE MIT',
      ].join('\n'),
    );
    const r = await cli('create', 'mine');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`copying file ${digest.slice(7, 19)}: 100% 439 KB`);
    expect(r.stderr).toMatch(/writing manifest\nsuccess\n$/);
    expect(blobUploads()).toBe(1);

    const show = await ollamaClient(server.url).show({ model: 'mine' });
    expect(show.system).toBe('You are terse.\nOne line only.');
    // The license is a layer of its own (the server's /api/show does not return it yet: read the store).
    const manifest = JSON.parse(
      await fs.readFile(
        path.join(server.modelsDir, 'manifests/registry.ollama.ai/library/mine/latest'),
        'utf8',
      ),
    ) as { layers: { mediaType: string; digest: string }[] };
    const license = manifest.layers.find((l) => l.mediaType === 'application/vnd.ollama.image.license')!;
    expect(
      await fs.readFile(path.join(server.modelsDir, 'blobs', license.digest.replace(':', '-')), 'utf8'),
    ).toBe('MIT');
    expect(show.parameters).toMatch(/^temperature\s+0\.3$/m);
    expect(show.parameters).toMatch(/^num_predict\s+64$/m);
    expect(show.parameters).toMatch(/^stop\s+"<\|im_end\|>"$/m);
    expect((await cli('run', 'mine', 'Hi')).stdout).toBe(`${DETERMINISTIC_ANSWER}\n`);
  });

  it('uploads a GGUF the server already has only once, and reads -f from anywhere', async () => {
    await fs.mkdir(path.join(dir, 'elsewhere'));
    // A relative FROM is read from the Modelfile's folder, not from where the command runs.
    await modelfile('elsewhere/Second', 'FROM ../weights/det.gguf\nTEMPLATE "{{ .Prompt }}"\n');
    const r = await cli('create', 'second', '-f', 'elsewhere/Second');
    expect(r.code).toBe(0);
    expect(blobUploads()).toBe(1);
    const show = await ollamaClient(server.url).show({ model: 'second' });
    expect(show.template).toBe('{{ .Prompt }}');
  });

  it('builds a model FROM a folder: its GGUFs, a model and its projector, which gives it images', async () => {
    const folder = path.join(dir, 'vision');
    await fs.mkdir(folder);
    await writeRandomModel(path.join(folder, 'model.gguf'));
    await writeProjector(path.join(folder, 'mmproj.gguf'));
    await modelfile('Visionfile', 'FROM ./vision\n');
    const r = await cli('create', 'seer', '-f', 'Visionfile');
    expect(r.stderr).toMatch(/success\n$/);
    expect(r.code).toBe(0);
    const show = await ollamaClient(server.url).show({ model: 'seer' });
    expect(show.capabilities).toContain('vision');
    await fs.mkdir(path.join(dir, 'empty'));
    await modelfile('Emptyfile', 'FROM ./empty\n');
    const empty = await cli('create', 'nothing', '-f', 'Emptyfile');
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/FROM \.\/empty is a folder without \.gguf files/);
  });

  it("builds a vision model FROM two files, a model and its projector, as Ollama's parser merges FROM lines", async () => {
    await fs.mkdir(path.join(dir, 'two'));
    const model = await writeRandomModel(path.join(dir, 'two', 'language.gguf'), { seed: 5 });
    const mmproj = await writeProjector(path.join(dir, 'weights', 'projector.gguf'));
    await modelfile(
      'Twofile',
      'FROM ./two/language.gguf\nFROM ./weights/projector.gguf\nSYSTEM Look closely.\n',
    );
    const r = await cli('create', 'seer2', '-f', 'Twofile');
    expect(r.stderr).toMatch(/success\n$/);
    expect(r.code).toBe(0);
    const client = ollamaClient(server.url);
    const show = await client.show({ model: 'seer2' });
    expect(show.capabilities).toContain('vision');
    expect(show.system).toBe('Look closely.');
    // `ownchat show --modelfile` names both blobs as FROM lines, so they build the same model again (its FROM
    // lines alone: the TEMPLATE it prints for this GGUF is the file's Jinja template, which TEMPLATE does not take).
    const blob = async (file: string) =>
      path.join(server.modelsDir, 'blobs', (await sha256File(file)).replace(':', '-'));
    const printed = await cli('show', 'seer2', '--modelfile');
    expect(printed.code).toBe(0);
    expect([...printed.stdout.matchAll(/^FROM (.+)$/gm)].map((m) => m[1])).toEqual([
      await blob(model.path),
      await blob(mmproj.path),
    ]);
    await modelfile(
      'Copied',
      printed.stdout
        .split('\n')
        .filter((l) => l.startsWith('FROM '))
        .join('\n'),
    );
    const copied = await cli('create', 'seer3', '-f', 'Copied');
    expect(copied.stderr).toMatch(/success\n$/);
    expect(copied.code).toBe(0);
    const copy = await client.show({ model: 'seer3' });
    expect(copy.capabilities).toContain('vision');
    expect(copy.modelfile.split('\n').filter((l) => l.startsWith('FROM '))).toEqual(
      show.modelfile.split('\n').filter((l) => l.startsWith('FROM ')),
    );
  });

  it('refuses FROM a model beside FROM a file, and two different files of one name, naming the lines', async () => {
    await modelfile('Mixed', 'FROM ./weights/det.gguf\nFROM mine\n');
    const mixed = await cli('create', 'mixed', '-f', 'Mixed');
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toMatch(
      /Mixed:2: FROM mine names a model, and FROM \.\/weights\/det\.gguf \(line 1\) a file: build on one model, or on GGUF files/,
    );
    await fs.mkdir(path.join(dir, 'other'));
    await writeRandomModel(path.join(dir, 'other', 'det.gguf'), { seed: 9 });
    await modelfile('Clash', 'FROM ./weights/det.gguf\nFROM ./other/det.gguf\n');
    const clash = await cli('create', 'clash', '-f', 'Clash');
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(
      /Clash:2: two different files named det\.gguf \(FROM lines 1 and 2\): rename one/,
    );
    const models = await ollamaClient(server.url).list();
    expect(models.models.map((m) => m.name)).not.toContain('mixed:latest');
    expect(models.models.map((m) => m.name)).not.toContain('clash:latest');
  });

  it('builds a model FROM an existing model, sharing its weights', async () => {
    await modelfile('FromModel', 'FROM mine\nSYSTEM Be kind.\nPARAMETER seed 7\n');
    const r = await cli('create', 'kind', '-f', 'FromModel');
    expect(r.code).toBe(0);
    const client = ollamaClient(server.url);
    const [kind, mine] = await Promise.all([client.show({ model: 'kind' }), client.show({ model: 'mine' })]);
    expect(kind.system).toBe('Be kind.');
    expect(kind.parameters).toMatch(/^seed\s+7$/m);
    // Same GGUF blob underneath: the modelfile's FROM names the same blob path.
    const blob = (s: string) => /^FROM (.+)$/m.exec(s)?.[1];
    expect(blob(kind.modelfile)).toBe(blob(mine.modelfile));
    expect((await cli('run', 'kind', 'Hi')).stdout).toBe(`${DETERMINISTIC_ANSWER}\n`);
  });

  it("builds a model with Ollama's RENDERER and PARSER: its prompt from the renderer, its capabilities from the parser", async () => {
    await modelfile('Coder', 'FROM ./weights/det.gguf\nRENDERER qwen3-coder\nparser qwen3-coder\n');
    const r = await cli('create', 'coder', '-f', 'Coder');
    expect(r.code).toBe(0);
    const show = await ollamaClient(server.url).show({ model: 'coder' });
    expect(show.capabilities).toEqual(['completion', 'tools']);
    expect(show.modelfile).toMatch(/^RENDERER qwen3-coder\nPARSER qwen3-coder$/m);
    // The renderer writes the prompt: a system message Ollama's Qwen3CoderRenderer puts first, in ChatML.
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'coder',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [
          { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } },
        ],
        _debug_render_only: true,
      }),
    });
    const rendered = ((await res.json()) as { _debug_info: { rendered_template: string } })._debug_info
      .rendered_template;
    expect(rendered).toMatch(/^<\|im_start\|>system\nYou are Qwen, a helpful AI assistant/);
    expect(rendered).toMatch(/<\|im_start\|>user\nHi<\|im_end\|>\n<\|im_start\|>assistant\n$/);
  });

  it("passes on the server's refusal of a RENDERER or PARSER it does not have", async () => {
    await modelfile('Typo', 'FROM ./weights/det.gguf\nRENDERER qwen3-cod\n');
    const r = await cli('create', 'typo', '-f', 'Typo');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^ownchat: cannot create 'typo': renderer "qwen3-cod" is not one this server has: use one of .*qwen3-coder/,
    );
    await modelfile('Typo2', 'FROM ./weights/det.gguf\nPARSER qwen9\n');
    const p = await cli('create', 'typo', '-f', 'Typo2');
    expect(p.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^ownchat: cannot create .typo.: parser "qwen9" is not one this server has/,
    );
  });

  it('names the file and line of a bad Modelfile line, in one line, and creates nothing', async () => {
    await modelfile('Bad', 'FROM ./weights/det.gguf\n\nPARAMETER temperature hot\n');
    const r = await cli('create', 'bad', '-f', 'Bad');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ownchat: Bad:3: PARAMETER temperature must be a number, not "hot"\n',
    });
    expect((await ollamaClient(server.url).list()).models.map((m) => m.name)).not.toContain('bad:latest');
  });

  it('says which FROM file is missing, and where it looked', async () => {
    await modelfile('Missing', '# x\nFROM ./weights/nope.gguf\n');
    const r = await cli('create', 'x', '-f', 'Missing');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "ownchat: Missing:2: FROM ./weights/nope.gguf: no such file (a relative path is read from the Modelfile's folder)\n",
    );
  });

  it('says how to get a FROM model that is not there', async () => {
    await modelfile('Unknown', 'FROM llama3:8b\n');
    const r = await cli('create', 'x', '-f', 'Unknown');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(notFound('llama3:8b'));
  });

  it('says when there is no Modelfile', async () => {
    const empty = await fs.mkdtemp(path.join(dir, 'empty-'));
    const r = await ownchat(['create', 'x'], { env: { OLLAMA_HOST: server.url }, cwd: empty });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ownchat: cannot read the Modelfile Modelfile (no such file): give its path with -f\n',
    });
    const other = await cli('create', 'x', '-f', 'nowhere/Modelfile');
    expect(other.stderr).toBe(
      'ownchat: cannot read the Modelfile nowhere/Modelfile (no such file): give its path with -f\n',
    );
  });

  it("passes on the server's reason for refusing a file that is not a GGUF", async () => {
    await fs.writeFile(path.join(dir, 'notes.gguf'), 'not a model at all');
    await modelfile('NotGguf', 'FROM ./notes.gguf\n');
    const r = await cli('create', 'notes', '-f', 'NotGguf');
    expect(r.code).toBe(1);
    // Progress came first (on stderr, as Ollama prints it); the failure is the one last line, without a stack.
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(
      "ownchat: cannot create 'notes': notes.gguf is not a GGUF file (it does not start with the GGUF magic)",
    );
    expect(lines.filter((l) => l.startsWith('ownchat:'))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
