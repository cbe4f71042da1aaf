// `ownchat create NAME -f Modelfile`: builds a model as `ollama create` does. FROM a GGUF file: the file is
// hashed, uploaded once as a blob (POST /api/blobs/sha256:…, skipped when the server has it), and named in
// /api/create's `files` (several FROM files all go there: a model and its projector); FROM a model:
// /api/create's `from`. TEMPLATE, SYSTEM, PARAMETER, MESSAGE and LICENSE go along as the request's fields; DRAFT's
// GGUF is uploaded the same way and named in `draft_files`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { applyPullEvent, emptyPull, type PullEvent } from '@ownchat/chat/shared';
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { draftFilesOf } from './draft.ts';
import { CliError } from './errors.ts';
import { localPath, type Modelfile, ModelfileError, parseModelfile } from './modelfile.ts';
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
 * FROM as /api/create wants it: `files` for GGUFs on this machine (a file, or a folder's GGUFs; uploaded first),
 * `from` for a model. Several FROM lines are several files, merged into one `files` as Ollama's parser merges
 * them (a model GGUF and its projector: the server tells them apart by content).
 */
async function baseOf(
  modelfile: Modelfile,
  modelfilePath: string,
  conn: Connection,
  show: (e: PullEvent) => void,
): Promise<{ from?: string; files?: Record<string, string> }> {
  // Every FROM is checked before anything is uploaded.
  let model: Modelfile['from'][number] | undefined;
  let firstFile: Modelfile['from'][number] | undefined;
  const local: { from: Modelfile['from'][number]; found: [name: string, file: string][] }[] = [];
  for (const from of modelfile.from) {
    const found = await localFiles(from, modelfilePath);
    // Ollama lets a later FROM model replace an earlier one and drops the files beside it; saying so is clearer.
    const other = model ?? (found ? undefined : firstFile);
    if (other) {
      throw new ModelfileError(
        modelfilePath,
        from.line,
        `FROM ${from.value} names ${found ? 'a file' : 'a model'}, and FROM ${other.value} (line ${other.line}) ${model ? 'a model' : 'a file'}: build on one model, or on GGUF files (a model and its projector)`,
      );
    }
    if (!found) model = from;
    else {
      firstFile ??= from;
      local.push({ from, found });
    }
  }
  if (model) return { from: model.value };
  const files: Record<string, { digest: string; line: number }> = {};
  for (const { from, found } of local) {
    for (const [name, file] of found) {
      const digest = await uploadGguf(conn, file, show);
      const taken = files[name];
      if (taken && taken.digest !== digest) {
        throw new ModelfileError(
          modelfilePath,
          from.line,
          `two different files named ${name} (FROM lines ${taken.line} and ${from.line}): rename one`,
        );
      }
      files[name] = { digest, line: from.line };
    }
  }
  return { files: Object.fromEntries(Object.entries(files).map(([name, f]) => [name, f.digest])) };
}

/**
 * The GGUF files one FROM names on this machine, each with the name /api/create's `files` gives it: the file
 * itself, or a folder's GGUFs, as Ollama takes a folder. Undefined when it names no file (then it is a model).
 */
async function localFiles(
  from: Modelfile['from'][number],
  modelfilePath: string,
): Promise<[name: string, file: string][] | undefined> {
  const { value, line } = from;
  const file = localPath(value, modelfilePath);
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
    return undefined;
  }
  if (stat.isFile()) {
    // The server takes names ending in .gguf; a blob path (`ownchat show --modelfile` prints those) has none, and
    // keeping its own name keeps a model and its projector apart.
    const name = path.basename(file);
    return [[name.toLowerCase().endsWith('.gguf') ? name : `${name}.gguf`, file]];
  }
  const ggufs = (await fs.readdir(file)).filter((f) => f.toLowerCase().endsWith('.gguf')).sort();
  if (ggufs.length === 0) {
    throw new ModelfileError(modelfilePath, line, `FROM ${value} is a folder without .gguf files`);
  }
  return ggufs.map((name) => [name, path.join(file, name)]);
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
