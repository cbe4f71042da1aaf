// The models the browser tests chat with, written by the testkit (no weights can be downloaded): each answers
// through real llama.cpp inference.
import path from 'node:path';
import {
  importModel,
  THINKER_LEVELS_TEMPLATE,
  THINKER_TEMPLATE,
  writeDeterministicModel,
  writeRandomModel,
} from '@ownchat/testkit';

/** Markdown with what must render (bold, code, a highlighted block) and what must not run (HTML, a script URL). */
export const MARKDOWN_ANSWER =
  'Here is **bold** with `inline` <img src=x onerror=alert(1)> [click](javascript:alert(1)) then\n\n```js\nconst answer = 42;\n```';

/** Long enough that a page sees it grow many times even if a busy machine batches a few tokens per render. */
export const SLOW_ANSWER =
  'Streaming answers arrive here one token after another, so a reader sees each word appear while the model is still thinking about what comes next.';

/** The reasoning and the answer of the thinking test model (`thinker`): distinct words, as the testkit needs. */
export const THINKING =
  'Checking the sky over Paris: clouds drift east and wind seems light, so sunshine looks likely today.';
export const THOUGHT_ANSWER = 'Sunny all afternoon!';

/**
 * det: answers DETERMINISTIC_ANSWER in milliseconds. slow: answers SLOW_ANSWER, from a model wide enough to
 * take about 20 ms a token on one thread, so a page can see tokens arrive one by one. chatty: random weights and a
 * wide vocabulary, so it keeps talking until stopped. md: answers MARKDOWN_ANSWER. thinker: thinks THINKING, then
 * answers THOUGHT_ANSWER, at slow's speed so a page sees the thinking stream (import it with THINKER_TEMPLATE).
 */
/** About 20 ms a token on one thread: wide enough that a page sees tokens arrive one by one. */
const SLOW_SHAPE = {
  embedding: 1024,
  layers: 8,
  heads: 8,
  headsKv: 8,
  feedForward: 2816,
  type: 'q8_0' as const,
};

export async function writeTestModels(dir: string, which: ('det' | 'slow' | 'chatty' | 'md' | 'thinker')[]) {
  const out: Record<string, string> = {};
  for (const name of which) {
    const file = path.join(dir, `${name}.gguf`);
    if (name === 'det') await writeDeterministicModel(file);
    if (name === 'slow') {
      await writeDeterministicModel(file, { sentence: SLOW_ANSWER, shape: { ...SLOW_SHAPE, vocab: 2048 } });
    }
    if (name === 'thinker') {
      await writeDeterministicModel(file, {
        sentence: `<think> ${THINKING} </think> ${THOUGHT_ANSWER}`,
        shape: { ...SLOW_SHAPE, vocab: 2048 },
      });
    }
    if (name === 'chatty') await writeRandomModel(file, { vocab: 32000, seed: 7 });
    if (name === 'md')
      await writeDeterministicModel(file, { sentence: MARKDOWN_ANSWER, shape: { vocab: 2048 } });
    out[name] = file;
  }
  return out;
}

/** How a test model is imported, where not plainly. */
const IMPORT_OPTIONS: Record<string, Parameters<typeof importModel>[3]> = {
  thinker: { template: THINKER_TEMPLATE },
  // chatty at temperature 0: sampled at Ollama's 0.8, this random model now and then picks its end-of-turn token
  // early (once in CI, after about 100 tokens, before the Stop test could press Stop); greedy, its answer to a
  // question runs on for thousands of tokens, the same each time.
  chatty: { parameters: { temperature: 0 } },
};

/**
 * Imports each file under its name, and `extra` names as copies of one of them. The thinker is imported with
 * THINKER_TEMPLATE; a copy of it named gpt-oss… with THINKER_LEVELS_TEMPLATE: a model whose thinking takes a level
 * (as gpt-oss's does, shared/thinkLevels.ts) and whose prompt shows which level it was given.
 */
export async function importTestModels(
  url: string,
  files: Record<string, string>,
  extra: Record<string, string> = {},
) {
  for (const [name, file] of Object.entries(files)) {
    await importModel(url, name, file, IMPORT_OPTIONS[name] ?? {});
  }
  for (const [name, from] of Object.entries(extra)) {
    const leveled = from === 'thinker' && name.startsWith('gpt-oss');
    await importModel(url, name, files[from]!, leveled ? { template: THINKER_LEVELS_TEMPLATE } : {});
  }
}
