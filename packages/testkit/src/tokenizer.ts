// A SentencePiece-style ("llama" / SPM) vocabulary for generated models. llama.cpp's SPM tokenizer needs: a
// token list, scores (merge priority: the highest-scoring adjacent pair present in the vocabulary is merged
// first), token types, and byte tokens `<0xNN>` for byte fallback, so any UTF-8 text round-trips even with a
// tiny vocabulary. ChatML control tokens and a ChatML template make node-llama-cpp (and Ollama-style
// servers) format chats the way they do for qwen2.5.

import { bool, f32Arr, type GgufValue, i32Arr, str, strArr, u32 } from './gguf/values.ts';

/** llama.cpp `enum llama_token_type` values as stored in `tokenizer.ggml.token_type`. */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** SentencePiece's visible space (U+2581): SPM vocabularies spell " the" as "▁the". */
export const SPACE_MARKER = '\u2581';

/** qwen2.5-style ChatML template (without the tool-calling branches). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Fixed ids: the first tokens are laid out like Llama 2's vocabulary, ChatML tokens follow the bytes. */
export const TOKEN_ID = {
  unk: 0,
  bos: 1,
  eos: 2, // `</s>`; generation ends at `<|im_end|>` instead, which is what tokenizer.ggml.eos_token_id names
  firstByte: 3, // `<0x00>`; byte b is id 3 + b
  imStart: 259,
  imEnd: 260,
} as const;

/** A few common English words, so prompts tokenize into words rather than letters (as with a real vocab). */
export const COMMON_WORDS: readonly string[] = (
  'the a an and or of to in on is are was it that this for with you I he she we they be have do say hello world ' +
  'Hello Hi what how why who yes no not can will one two three user assistant system'
)
  .split(' ')
  .map((w) => SPACE_MARKER + w);

export interface VocabularyOptions {
  /** Total number of tokens (the model's n_vocab). Filler tokens pad the list up to it. */
  size: number;
  /** Word pieces in SPM spelling (`▁word` for a word after a space). Their prefixes are added as well. */
  words?: readonly string[];
  /** More control tokens (a model family's tags, like gpt-oss's `<|channel|>`), after the words. */
  special?: readonly string[];
}

export interface Vocabulary {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  /** Token text -> id. */
  idOf(text: string): number;
}

/** Code-point prefixes of length >= 2, shortest first: the merge path llama.cpp's SPM tokenizer follows. */
function prefixes(word: string): string[] {
  const chars = [...word];
  const out: string[] = [];
  for (let n = 2; n <= chars.length; n++) out.push(chars.slice(0, n).join(''));
  return out;
}

/** Lower-case letter strings of length 2, 3, 4…, each with and without the space marker. */
function* fillerPieces(): Generator<string> {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let len = 2; ; len++) {
    const total = letters.length ** len;
    for (let n = 0; n < total; n++) {
      let s = '';
      for (let k = 0, m = n; k < len; k++, m = Math.floor(m / letters.length))
        s = letters[m % letters.length] + s;
      yield SPACE_MARKER + s;
      yield s;
    }
  }
}

export function buildVocabulary({ size, words = COMMON_WORDS, special = [] }: VocabularyOptions): Vocabulary {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const ids = new Map<string, number>();
  const add = (text: string, score: number, type: number): void => {
    // llama.cpp asserts that no two ids share a text (id_to_token.size() == token_to_id.size()).
    if (ids.has(text)) return;
    ids.set(text, tokens.length);
    tokens.push(text);
    scores.push(score);
    types.push(type);
  };

  add('<unk>', 0, TOKEN_TYPE.UNKNOWN);
  add('<s>', 0, TOKEN_TYPE.CONTROL);
  add('</s>', 0, TOKEN_TYPE.CONTROL);
  // Byte tokens must be spelled `<0xNN>` in upper-case hex: llama.cpp's byte fallback looks them up by text.
  for (let b = 0; b < 256; b++)
    add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, TOKEN_TYPE.BYTE);
  add('<|im_start|>', 0, TOKEN_TYPE.CONTROL);
  add('<|im_end|>', 0, TOKEN_TYPE.CONTROL);
  // A lone space needs its own token: without it a space before a character outside the vocabulary would fall
  // back to the three UTF-8 bytes of "▁", which decode to "▁" rather than " ".
  add(SPACE_MARKER, -1000, TOKEN_TYPE.NORMAL);
  // Printable ASCII as single pieces, like real SPM vocabularies. Control characters (notably "\n") are left to
  // byte fallback, so a ChatML generation prompt ends with the byte token `<0x0A>`, as it does for Llama.
  for (let c = 0x21; c < 0x7f; c++) add(String.fromCharCode(c), -1000, TOKEN_TYPE.NORMAL);
  // Words and their prefixes score above every filler, so a known word always merges into its own token.
  let rank = 0;
  for (const word of words) {
    for (const piece of prefixes(word)) add(piece, -1 - rank++ / 1000, TOKEN_TYPE.NORMAL);
    if ([...word].length === 1) add(word, -1000, TOKEN_TYPE.NORMAL);
  }
  for (const tag of special) add(tag, 0, TOKEN_TYPE.CONTROL);
  if (tokens.length > size) {
    throw new Error(`vocabulary needs at least ${tokens.length} tokens for these words, asked for ${size}`);
  }
  // Fillers make up the requested size with readable pieces, so random models print letters, not blanks.
  rank = 0;
  const fillers = fillerPieces();
  while (tokens.length < size) add(fillers.next().value as string, -100 - rank++ / 10000, TOKEN_TYPE.NORMAL);

  return {
    tokens,
    scores: Float32Array.from(scores),
    types: Int32Array.from(types),
    idOf(text: string): number {
      const id = ids.get(text);
      if (id === undefined) throw new Error(`token ${JSON.stringify(text)} is not in the vocabulary`);
      return id;
    },
  };
}

/** The `tokenizer.*` metadata llama.cpp reads for an SPM model, with ChatML on top. */
export function vocabularyMetadata(
  vocab: Vocabulary,
  chatTemplate: string = CHATML_TEMPLATE,
): Array<readonly [string, GgufValue]> {
  return [
    ['tokenizer.ggml.model', str('llama')],
    ['tokenizer.ggml.tokens', strArr(vocab.tokens)],
    ['tokenizer.ggml.scores', f32Arr(vocab.scores)],
    ['tokenizer.ggml.token_type', i32Arr(vocab.types)],
    ['tokenizer.ggml.bos_token_id', u32(TOKEN_ID.bos)],
    // eos = <|im_end|>: generation stops at the end of an assistant turn, as with qwen2.5.
    ['tokenizer.ggml.eos_token_id', u32(TOKEN_ID.imEnd)],
    ['tokenizer.ggml.unknown_token_id', u32(TOKEN_ID.unk)],
    ['tokenizer.ggml.padding_token_id', u32(TOKEN_ID.eos)],
    // SPM defaults to adding <s> and a leading space; ChatML models do neither, and without the space prefix
    // tokenize/detokenize round-trip text exactly.
    ['tokenizer.ggml.add_bos_token', bool(false)],
    ['tokenizer.ggml.add_eos_token', bool(false)],
    ['tokenizer.ggml.add_space_prefix', bool(false)],
    ['tokenizer.chat_template', str(chatTemplate)],
  ];
}
