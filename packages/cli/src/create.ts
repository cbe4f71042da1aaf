// `ownchat create NAME -f Modelfile`: builds a model as `ollama create` does. FROM a GGUF file: the file is
// hashed, uploaded once as a blob (POST /api/blobs/sha256:…, skipped when the server has it), and named in
// /api/create's `files`; FROM a model: /api/create's `from`. TEMPLATE, SYSTEM, PARAMETER, MESSAGE and LICENSE go
// along as the request's fields; DRAFT's GGUF is uploaded the same way and named in `draft_files`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { applyPullEvent, emptyPull, type PullEvent } from '@ownchat/chat/shared';
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { draftFilesOf } from './draft.ts';
import { CliError } from './errors.ts';
import { type Modelfile, ModelfileError, parseModelfile } from './modelfile.ts';
import { progressView } from './progressView.ts';

export function createCommand(): Command {
  return new Command('create')
    .description('Create a model from a Modelfile (FROM a GGUF file or an existing model)')
    .argument('<model>', 'name of the new model')
    .option('-f, --file <path>', 'the Modelfile', 'Modelfile')
    .action(clientAction(create));
}

async function create(conn: Connection, model: string, opts: { file: string }): Promise<void> {
  const file = opts.file;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliError(`cannot read the Modelfile ${file} (${why}): give its path with -f`);
  }
  const modelfile = parseModelfile(text, file);
  const view = progressView();
  let state = emptyPull;
  const show = (e: PullEvent) => {
    state = applyPullEvent(state, e, Date.now());
    view.update(state);
  };
  try {
    // The draft first: a mistake in its line is told before the model's upload.
    const drafts = await draftFilesOf(modelfile, file, (gguf) => uploadGguf(conn, gguf, show));
    const source = await baseOf(modelfile, file, conn, show);
    const stream = await conn.client.create({
      model,
      ...source,
      template: modelfile.template,
      system: modelfile.system,
      // Ollama's CreateRequest has these; the ollama client's type does not list them yet.
      ...{ renderer: modelfile.renderer, parser: modelfile.parser },
      ...drafts,
      license: modelfile.license.length ? modelfile.license : undefined,
      parameters: Object.keys(modelfile.parameters).length ? modelfile.parameters : undefined,
      messages: modelfile.messages.length ? modelfile.messages : undefined,
      stream: true,
    });
    for await (const event of stream) show(event as PullEvent);
  } catch (e) {
    view.stop(state);
    throw createError(model, e);
  }
  view.stop(state);
}

/**
 * FROM as /api/create wants it: `files` for a GGUF on this machine, or a folder's GGUFs (uploaded first), `from`
 * for a model.
 */
async function baseOf(
  modelfile: Modelfile,
  modelfilePath: string,
  conn: Connection,
  show: (e: PullEvent) => void,
): Promise<{ from?: string; files?: Record<string, string> }> {
  const { value, line } = modelfile.from;
  const expanded = value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
  const file = path.resolve(path.dirname(modelfilePath), expanded);
  const stat = await fs.stat(file).catch(() => undefined);
  const looksLikePath = /^(\.{1,2}\/|\/|~\/)/.test(value) || /\.(gguf|bin)$/i.test(value);
  if (!stat) {
    if (looksLikePath) {
      throw new ModelfileError(
        modelfilePath,
        line,
        `FROM ${value}: no such file (a relative path is read from the Modelfile's folder)`,
      );
    }
    return { from: value };
  }
  if (stat.isFile()) {
    const name = path.basename(file);
    return { files: { [name.toLowerCase().endsWith('.gguf') ? name : 'model.gguf']: await upload(file) } };
  }
  // A folder, as Ollama takes one: its GGUF files (a model and, for images, its projector), which the server
  // tells apart by their content.
  const ggufs = (await fs.readdir(file)).filter((f) => f.toLowerCase().endsWith('.gguf')).sort();
  if (ggufs.length === 0) {
    throw new ModelfileError(modelfilePath, line, `FROM ${value} is a folder without .gguf files`);
  }
  const files: Record<string, string> = {};
  for (const name of ggufs) files[name] = await upload(path.join(file, name));
  return { files };

  function upload(gguf: string): Promise<string> {
    return uploadGguf(conn, gguf, show);
  }
}

/** Uploads a GGUF unless the server has it already; its digest, for /api/create's files and draft_files. */
async function uploadGguf(conn: Connection, gguf: string, show: (e: PullEvent) => void): Promise<string> {
  const digest = await sha256File(gguf);
  await uploadBlob(conn, gguf, digest, (await fs.stat(gguf)).size, show);
  return digest;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Uploads the GGUF unless the server has it already (HEAD), with progress as a pull's layer. */
async function uploadBlob(
  conn: Connection,
  file: string,
  digest: string,
  size: number,
  show: (e: PullEvent) => void,
): Promise<void> {
  const url = `${conn.url}/api/blobs/${digest}`;
  const status = `copying file ${digest.slice(7, 19)}`;
  const head = await conn.fetch(url, { method: 'HEAD' });
  if (head.ok) {
    show({ status, digest, total: size, completed: size });
    return;
  }
  show({ status, digest, total: size, completed: 0 });
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      show({ status, digest, total: size, completed: sent });
      done(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream;
  const res = await conn.fetch(url, { method: 'POST', body, duplex: 'half' } as RequestInit);
  if (!res.ok) {
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {}
    throw new CliError(`uploading ${path.basename(file)} failed (${res.status}): ${message}`);
  }
}

function createError(model: string, e: unknown): unknown {
  if (e instanceof CliError) return e;
  const err = e as { message?: string; status_code?: number; cause?: unknown };
  // Connection failures and unknown base models are worded by errors.ts; the rest is the server's reason.
  if (err.cause || /not found/.test(err.message ?? '')) return e;
  return new CliError(`cannot create '${model}': ${err.message ?? String(e)}`);
}
