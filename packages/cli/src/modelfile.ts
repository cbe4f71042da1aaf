// Ollama's Modelfile, read into what POST /api/create takes. One instruction per line (case-insensitive):
//   FROM <GGUF file or model>      TEMPLATE <text>      SYSTEM <text>      LICENSE <text>
//   (FROM again for more files, as Ollama takes them: FROM ./model.gguf and FROM ./mmproj.gguf make a vision model)
//   PARAMETER <name> <value>       MESSAGE <system|user|assistant> <text>
//   RENDERER <name>                PARSER <name>        (a built-in prompt renderer and output parser, by the
//                                                        names Ollama's registry uses: qwen3-coder, harmony, …)
//   DRAFT <GGUF file or folder>    (a draft model of the same vocabulary, for speculative decoding: draft.ts)
// A value may be quoted: "…" or """…""", and then it may run over several lines; lines that begin with # are
// comments. Every mistake is reported with its line number, as the compiler-style "Modelfile:3: …".
import os from 'node:os';
import path from 'node:path';
import { optionKind } from '@ownchat/manager/for-clients';
import { CliError } from './errors.ts';

export type ModelfileMessage = { role: 'system' | 'user' | 'assistant'; content: string };

export type Modelfile = {
  /** Each FROM line, in order (one or more). */
  from: { value: string; line: number }[];
  template?: string;
  system?: string;
  /** The built-in renderer and parser; the server checks that it has them (Ollama's parser.go leaves that to it). */
  renderer?: string;
  parser?: string;
  /** DRAFT: the draft model's GGUF file or folder, a local path as Ollama requires. */
  draft?: { value: string; line: number };
  license: string[];
  parameters: Record<string, unknown>;
  messages: ModelfileMessage[];
};

export class ModelfileError extends CliError {
  override name = 'ModelfileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

const INSTRUCTIONS = 'FROM, TEMPLATE, SYSTEM, PARAMETER, MESSAGE, LICENSE, RENDERER, PARSER or DRAFT';
/** Ollama instructions ownchat's llm-manager cannot build yet: named, so the error says so rather than "unknown". */
const UNSUPPORTED = new Set(['adapter', 'requires']);
const KNOWN = [
  'from',
  'template',
  'system',
  'parameter',
  'message',
  'license',
  'renderer',
  'parser',
  'draft',
];
const ROLES = new Set(['system', 'user', 'assistant']);

export function parseModelfile(text: string, file = 'Modelfile'): Modelfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: Modelfile = {
    from: [],
    license: [],
    parameters: {},
    messages: [],
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fail = (reason: string, at = lineNo): never => {
      throw new ModelfileError(file, at, reason);
    };
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;

    const word = /^\S+/.exec(line)![0];
    const instruction = word.toLowerCase();
    let rest = line.slice(word.length).trim();
    if (UNSUPPORTED.has(instruction)) {
      fail(`${word.toUpperCase()} is not supported by ownchat yet; remove the line`);
    }
    if (!KNOWN.includes(instruction)) {
      fail(`unknown instruction ${JSON.stringify(word)}: use ${INSTRUCTIONS}`);
    }
    // PARAMETER and MESSAGE take a name before their value.
    let name = '';
    if (instruction === 'parameter' || instruction === 'message') {
      const m = /^(\S+)\s*(.*)$/.exec(rest);
      if (!m) {
        fail(
          instruction === 'parameter'
            ? 'PARAMETER needs a name and a value, e.g. PARAMETER temperature 0.7'
            : 'MESSAGE needs a role and a text, e.g. MESSAGE user Hello',
        );
      }
      name = m![1]!;
      rest = m![2]!;
    }
    // The value: bare to the end of the line, or quoted and then possibly over several lines.
    let value = rest;
    const quote = rest.startsWith('"""') ? '"""' : rest.startsWith('"') ? '"' : '';
    if (quote) {
      const opened = lineNo;
      let body = rest.slice(quote.length);
      while (!(body.trimEnd().endsWith(quote) && body.trimEnd().length >= quote.length)) {
        if (++i >= lines.length) {
          fail(`the ${quote} opened here is never closed: end the value with ${quote}`, opened);
        }
        body += `\n${lines[i]}`;
      }
      value = body.trimEnd().slice(0, -quote.length);
    }
    if (!quote && !value) {
      fail(`${instruction.toUpperCase()}${name ? ` ${name}` : ''} needs a value`);
    }

    switch (instruction) {
      // Several FROM lines are several files (ownchat create checks what each names), as in Ollama's parser.
      case 'from':
        out.from.push({ value, line: lineNo });
        break;
      case 'template':
        out.template = value;
        break;
      case 'system':
        out.system = value;
        break;
      // As in Ollama, the last one wins.
      case 'renderer':
        out.renderer = value;
        break;
      case 'parser':
        out.parser = value;
        break;
      case 'license':
        out.license.push(value);
        break;
      case 'draft':
        if (out.draft) fail(`a second DRAFT (the first is on line ${out.draft.line}): a model has one draft`);
        out.draft = { value, line: lineNo };
        break;
      case 'message':
        if (!ROLES.has(name.toLowerCase())) {
          fail(`MESSAGE role must be system, user or assistant, not ${JSON.stringify(name)}`);
        }
        out.messages.push({ role: name.toLowerCase() as ModelfileMessage['role'], content: value });
        break;
      case 'parameter': {
        const parsed = parameterValue(name, value, fail);
        if (Array.isArray(parsed)) {
          const prev = out.parameters[name];
          out.parameters[name] = [...(Array.isArray(prev) ? prev : []), ...parsed];
        } else {
          out.parameters[name] = parsed;
        }
        break;
      }
    }
  }
  if (!out.from.length) {
    throw new ModelfileError(
      file,
      0,
      'no FROM line: say what to build on, e.g. FROM ./model.gguf or FROM qwen2.5:0.5b',
    );
  }
  return out;
}

/** A PARAMETER value typed as the option is (Ollama's api.FormatParams); `fail` reports a wrong one. */
function parameterValue(name: string, raw: string, fail: (reason: string) => never): unknown {
  const bad = (what: string) => fail(`PARAMETER ${name} must be ${what}, not ${JSON.stringify(raw)}`);
  switch (optionKind(name)) {
    case undefined:
      return fail(
        `unknown parameter ${JSON.stringify(name)} (known ones include temperature, top_k, top_p, num_ctx, stop, seed, num_predict)`,
      );
    case 'strings':
      return [raw];
    case 'boolean': {
      const b = raw.toLowerCase();
      if (['true', '1', 't'].includes(b)) return true;
      if (['false', '0', 'f'].includes(b)) return false;
      return bad('true or false');
    }
    case 'integer':
      return /^[+-]?\d+$/.test(raw) ? Number(raw) : bad('a whole number');
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : bad('a number');
    }
  }
}

/** A Modelfile path as Ollama expands it: `~/` is the home folder, a relative path is read from the file's folder. */
export function localPath(value: string, modelfilePath: string): string {
  const expanded = value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
  return path.resolve(path.dirname(modelfilePath), expanded);
}
