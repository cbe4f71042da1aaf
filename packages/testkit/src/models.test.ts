import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getLlama,
  type Llama,
  LlamaChatSession,
  LlamaLogLevel,
  type LlamaModel,
  readGgufFileInfo,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { f16BitsToF32, f32ToF16Bits } from './gguf/f16.ts';
import { quantizeQ8_0 } from './gguf/q8_0.ts';
import { bool, f32, f32Arr, i32, i32Arr, str, strArr, u32, u64 } from './gguf/values.ts';
import { writeGguf } from './gguf/writer.ts';
import {
  DETERMINISTIC_ANSWER,
  DETERMINISTIC_PIECES,
  DETERMINISTIC_TOKENS,
  type DeterministicModelInfo,
  type ModelInfo,
  TINY,
  writeDeterministicModel,
  writeRandomModel,
} from './models.ts';
import { TOKEN_ID } from './tokenizer.ts';

let dir: string;
let llama: Llama;
let deterministic: DeterministicModelInfo;
let random: ModelInfo;
let detModel: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ownchat-testkit-'));
  deterministic = await writeDeterministicModel(join(dir, 'deterministic.gguf'));
  random = await writeRandomModel(join(dir, 'random.gguf'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
  detModel = await llama.loadModel({ modelPath: deterministic.path });
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('f16 and Q8_0 encoding', () => {
  test('f32 -> f16 rounds to nearest even and saturates to infinity', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // halfway to the next power: rounds up, to Inf
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(2 ** -26)).toBe(0x0000);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 0x3c00 and 0x3c01: even wins
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02: even wins
    expect(f16BitsToF32(0x2e66)).toBeCloseTo(0.1, 4);
  });

  test('Q8_0 blocks hold an f16 scale max|x|/127 and int8 round(x/d), halves away from zero', () => {
    const src = new Float32Array(64);
    // Block 0: max |x| = 127, so d = 1 and q = x rounded.
    src.set([127, -127, 2.5, -2.5, 0.49, -0.51, 100.2]);
    // Block 1: max |x| = 2.54, so d = 0.02 (f16 0x251f) and q = x / 0.02.
    src.set([2.54, -1, 0.01, 0.03], 32);
    const out = new Uint8Array(68);
    expect(quantizeQ8_0(src, out)).toBe(68);
    const view = new DataView(out.buffer);
    expect(view.getUint16(0, true)).toBe(0x3c00);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((j) => view.getInt8(2 + j))).toEqual([
      127, -127, 3, -3, 0, -1, 100, 0,
    ]);
    expect(view.getUint16(34, true)).toBe(0x251f);
    expect([0, 1, 2, 3].map((j) => view.getInt8(36 + j))).toEqual([127, -50, 1, 2]); // 0.01/0.02 = .5 -> 1
    expect(() => quantizeQ8_0(new Float32Array(31), out)).toThrow(/multiple of 32/);
  });

  test('an all-zero block gets scale 0 and zeros', () => {
    const out = new Uint8Array(34).fill(0xff);
    quantizeQ8_0(new Float32Array(32), out);
    expect([...out]).toEqual(new Array(34).fill(0));
  });
});

describe('GGUF writer', () => {
  test('node-llama-cpp reads back the metadata, tensor infos and data', async () => {
    const path = join(dir, 'header.gguf');
    const f32Data = Float32Array.from({ length: 3 * 2 }, (_, i) => i - 2.5);
    const q8Row = Float32Array.from({ length: 32 }, (_, i) => (i - 16) * 0.25);
    const written = await writeGguf(path, {
      metadata: {
        'general.architecture': str('llama'),
        'general.name': str('héader test'),
        'testkit.u32': u32(4_000_000_000),
        'testkit.i32': i32(-7),
        'testkit.f32': f32(0.5),
        'testkit.flag': bool(true),
        'testkit.big': u64(2n ** 40n),
        'testkit.words': strArr(['a', '▁b', '']),
        'testkit.floats': f32Arr([1.5, -2]),
        'testkit.ints': i32Arr([3, -4]),
      },
      tensors: [
        { name: 'a', dims: [3, 2], type: 'F32', data: f32Data },
        { name: 'b', dims: [5], type: 'F16', data: (_row, out) => out.fill(0.5) },
        { name: 'c', dims: [32, 2, 2], type: 'Q8_0', data: (_row, out) => out.set(q8Row) },
      ],
    });
    expect((await stat(path)).size).toBe(written.size);
    expect(written.size % 32).toBe(0);

    const info = await readGgufFileInfo(path, { logWarnings: false });
    expect(info.version).toBe(3);
    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(md.general).toMatchObject({ architecture: 'llama', name: 'héader test', alignment: 32 });
    expect(md.testkit).toMatchObject({ u32: 4_000_000_000, i32: -7, f32: 0.5, flag: true });
    expect(BigInt(md.testkit!.big as bigint | number)).toBe(2n ** 40n);
    expect(md.testkit!.words).toEqual(['a', '▁b', '']);
    expect(md.testkit!.floats).toEqual([1.5, -2]);
    expect(md.testkit!.ints).toEqual([3, -4]);

    const tensors = info.tensorInfo!;
    expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType])).toEqual([
      ['a', [3, 2], 0],
      ['b', [5], 1],
      ['c', [32, 2, 2], 8],
    ]);
    expect(Number(tensors[0]!.fileOffset)).toBe(written.dataOffset);
    for (const t of tensors) expect(Number(t.fileOffset) % 32).toBe(0);

    const bytes = await readFile(path);
    const at = (name: string): number => Number(tensors.find((t) => t.name === name)!.fileOffset);
    const a = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + at('a'), bytes.byteOffset + at('a') + 24),
    );
    expect([...a]).toEqual([...f32Data]);
    expect(bytes.readUInt16LE(at('b') + 8)).toBe(0x3800); // 0.5 in f16
    const q8 = new Uint8Array(34);
    quantizeQ8_0(q8Row, q8);
    for (let row = 0; row < 4; row++) {
      expect([...bytes.subarray(at('c') + row * 34, at('c') + (row + 1) * 34)]).toEqual([...q8]);
    }
  });
});

describe('deterministic model', () => {
  test('answers the sentence through the chat template at temperature 0 and stops at <|im_end|>', async () => {
    const context = await detModel.createContext({ threads: 1, contextSize: 512 });
    try {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      expect(session.chatWrapper.wrapperName).toBe('ChatML');
      const tokens: Token[] = [];
      const result = await session.promptWithMeta('Who are you?', {
        temperature: 0,
        maxTokens: 100,
        onToken: (chunk) => tokens.push(...chunk),
      });
      expect(result.responseText).toBe(DETERMINISTIC_ANSWER);
      // It ended by itself, on the eos token, right after the sentence (nothing but the sentence generated).
      expect(result.stopReason).toBe('eogToken');
      expect(tokens.map((t) => detModel.detokenize([t]))).toEqual([...DETERMINISTIC_PIECES]);
      expect(detModel.tokens.eos).toBe(TOKEN_ID.imEnd);
    } finally {
      await context.dispose();
    }
  });

  test('gives the same answer when sampling at temperature 1 with no truncation, and cut at maxTokens', async () => {
    const context = await detModel.createContext({ threads: 1, contextSize: 1024 });
    try {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      for (const prompt of ['Hi', 'Tell me something else, please.']) {
        const result = await session.promptWithMeta(prompt, {
          temperature: 1,
          topK: 0,
          topP: 1,
          maxTokens: 100,
        });
        expect(result.responseText).toBe(DETERMINISTIC_ANSWER);
        expect(result.stopReason).toBe('eogToken');
      }
      const cut = await session.promptWithMeta('Short, please', { temperature: 1, maxTokens: 3 });
      expect(cut.responseText).toBe('The quick brown');
      expect(DETERMINISTIC_PIECES.slice(0, 3).join('')).toBe('The quick brown');
      expect(cut.stopReason).toBe('maxTokens');
    } finally {
      await context.dispose();
    }
  });

  test.each(['f16', 'q8_0'] as const)('answers the same when its weights are stored as %s', async (type) => {
    // Block layout and tensor offsets must be exactly what llama.cpp expects, or the one-hot rows would land
    // on the wrong dimensions and the answer would change.
    const written = await writeDeterministicModel(join(dir, `deterministic-${type}.gguf`), {
      shape: { type },
    });
    const model = await llama.loadModel({ modelPath: written.path });
    try {
      const context = await model.createContext({ threads: 1, contextSize: 256 });
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      expect(await session.prompt('Hi', { temperature: 0, maxTokens: 30 })).toBe(DETERMINISTIC_ANSWER);
    } finally {
      await model.dispose();
    }
  });

  test('its vocabulary round-trips any UTF-8 through byte fallback and keeps known words whole', () => {
    const text = 'héllo 世界 🙂\n\ttabs  and  spaces';
    const tokens = detModel.tokenize(text);
    expect(detModel.detokenize(tokens)).toBe(text);
    // "é", the CJK and the emoji are not in the vocabulary: they must come out as byte tokens.
    const isByte = (t: number) => t >= TOKEN_ID.firstByte && t < TOKEN_ID.firstByte + 256;
    expect(tokens.filter(isByte).length).toBeGreaterThanOrEqual(2 + 6 + 4 + 2);
    const words = detModel.tokenize('The quick brown fox');
    expect(words.map((t) => detModel.detokenize([t]))).toEqual(['The', ' quick', ' brown', ' fox']);
    expect(DETERMINISTIC_TOKENS[0]).toBe('The');
  });
});

describe('random model', () => {
  test('loads with the requested shape and generates tokens', async () => {
    const model = await llama.loadModel({ modelPath: random.path });
    try {
      expect(model.fileInfo.metadata.general.architecture).toBe('llama');
      expect(model.fileInfo.metadata.llama).toMatchObject({
        embedding_length: TINY.embedding,
        block_count: TINY.layers,
        context_length: TINY.contextLength,
      });
      expect(model.tokens.eos).toBe(TOKEN_ID.imEnd);
      // Count raw tokens from the sequence: a chat session holds back byte tokens that do not yet form whole
      // UTF-8 characters, and random weights emit plenty of those.
      const context = await model.createContext({ threads: 1, contextSize: 256 });
      const tokens: Token[] = [];
      for await (const token of context
        .getSequence()
        .evaluate(model.tokenize('Hello world'), { temperature: 0 })) {
        tokens.push(token);
        if (tokens.length === 5) break;
      }
      expect(tokens).toHaveLength(5);
      for (const token of tokens) expect(token).toBeLessThan(TINY.vocab);
    } finally {
      await model.dispose();
    }
  });

  test('its weights are N(0, 0.02), norms 1', async () => {
    const bytes = await readFile(random.path);
    const info = await readGgufFileInfo(random.path, { logWarnings: false });
    const values = (name: string): Float32Array => {
      const t = info.tensorInfo!.find((x) => x.name === name)!;
      const count = t.dimensions.reduce((a: number, b) => a * Number(b), 1);
      const start = bytes.byteOffset + Number(t.fileOffset);
      return new Float32Array(bytes.buffer.slice(start, start + count * 4));
    };
    const w = values('blk.0.ffn_gate.weight');
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(std).toBeGreaterThan(0.0195);
    expect(std).toBeLessThan(0.0205);
    expect(w.filter((x) => Math.abs(x) > 0.04).length / w.length).toBeCloseTo(0.0455, 2); // beyond 2 sigma
    expect([...values('blk.1.attn_norm.weight')]).toEqual(new Array(TINY.embedding).fill(1));
  });

  test('is reproducible from its seed', async () => {
    const again = await writeRandomModel(join(dir, 'again.gguf'));
    const other = await writeRandomModel(join(dir, 'other.gguf'), { seed: 2 });
    const [a, b, c] = await Promise.all([random.path, again.path, other.path].map((p) => readFile(p)));
    expect(b!.equals(a!)).toBe(true);
    expect(c!.length).toBe(a!.length);
    expect(c!.equals(a!)).toBe(false);
    expect(random.size).toBe(a!.length);
  });

  test.each(['f16', 'q8_0'] as const)('writes %s weights that llama.cpp loads and runs', async (type) => {
    const written = await writeRandomModel(join(dir, `${type}.gguf`), { type, seed: 3 });
    const info = await readGgufFileInfo(written.path, { logWarnings: false });
    const types = new Map(info.tensorInfo!.map((t) => [t.name, t.ggmlType]));
    const expected = type === 'f16' ? 1 : 8;
    expect(types.get('token_embd.weight')).toBe(expected);
    expect(types.get('blk.1.ffn_down.weight')).toBe(expected);
    expect(types.get('output_norm.weight')).toBe(0); // norms stay f32
    expect(info.metadata.general.file_type).toBe(type === 'f16' ? 1 : 7);
    const model = await llama.loadModel({ modelPath: written.path });
    try {
      const context = await model.createContext({ threads: 1, contextSize: 256 });
      const sequence = context.getSequence();
      const tokens: Token[] = [];
      for await (const token of sequence.evaluate(model.tokenize('Hello world'))) {
        tokens.push(token);
        if (tokens.length === 3) break;
      }
      expect(tokens).toHaveLength(3);
    } finally {
      await model.dispose();
    }
  });
});
