// A Modelfile's DRAFT line, as Ollama's parser.go CreateRequest reads it: a draft model for speculative decoding,
// a GGUF file (or a folder of them) on this machine, uploaded as blobs and named in /api/create's `draft_files`;
// the server checks that it is one model of the target's vocabulary. Unlike FROM it never names a model: a path
// that does not exist is an error, and so is the same path as FROM's (Ollama's rejectMatchingLocalPath).
import fs from 'node:fs/promises';
import path from 'node:path';
import { localPath, type Modelfile, ModelfileError } from './modelfile.ts';

/** Both paths name one file or folder (Ollama's os.SameFile): not only equal text. */
async function samePath(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fs.stat(a).catch(() => undefined), fs.stat(b).catch(() => undefined)]);
  return !!sa && !!sb && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** /api/create's draft_files for the Modelfile's DRAFT (none without one); `upload` gives a file's digest. */
export async function draftFilesOf(
  modelfile: Modelfile,
  modelfilePath: string,
  upload: (gguf: string) => Promise<string>,
): Promise<{ draft_files?: Record<string, string> }> {
  if (!modelfile.draft) return {};
  const { value, line } = modelfile.draft;
  const fail = (reason: string): never => {
    throw new ModelfileError(modelfilePath, line, reason);
  };
  const target = localPath(value, modelfilePath);
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) fail(`DRAFT ${value}: no such file (a relative path is read from the Modelfile's folder)`);
  for (const from of modelfile.from) {
    if (await samePath(target, localPath(from.value, modelfilePath))) {
      fail(`DRAFT must not reference the same local path as FROM: ${target}`);
    }
  }
  const ggufs = stat!.isFile()
    ? [target]
    : (await fs.readdir(target))
        .filter((f) => f.toLowerCase().endsWith('.gguf'))
        .sort()
        .map((f) => path.join(target, f));
  if (ggufs.length === 0) fail(`DRAFT ${value} is a folder without .gguf files`);
  const files: Record<string, string> = {};
  for (const gguf of ggufs) {
    const name = path.basename(gguf);
    files[name.toLowerCase().endsWith('.gguf') ? name : 'draft.gguf'] = await upload(gguf);
  }
  return { draft_files: files };
}
