// Public API of @ownchat/testkit: generated GGUF models for tests and benchmarks (no weights can be downloaded
// where the tests run, so they write their own), and real servers, proxies and browsers for tests on loopback.

export { type AuthFront, startAuthFront } from './authFront.ts';
export { CHROMIUM_FLAGS, CHROMIUM_PATH, launchBrowser, type TestBrowser } from './browser.ts';
export {
  describeOutcomes,
  type FuzzOutcome,
  type FuzzRequest,
  type FuzzTotals,
  type RunFuzzOptions,
  runFuzz,
  summarize,
} from './fuzz/runFuzz.ts';
export {
  HOSTILE_NUMBERS,
  HOSTILE_STRINGS,
  hostileValue,
  type JsonSchema,
  type SchemaArbitraryOptions,
  schemaArbitrary,
} from './fuzz/schemaArbitrary.ts';
export { f16BitsToF32, f32ToF16Bits } from './gguf/f16.ts';
export { Q8_0_BLOCK, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from './gguf/q8_0.ts';
export {
  bool,
  f32,
  f32Arr,
  GGUF_VALUE_TYPE,
  type GgufArrayValue,
  type GgufMetadata,
  type GgufScalarValue,
  type GgufValue,
  i32,
  i32Arr,
  str,
  strArr,
  u32,
  u64,
} from './gguf/values.ts';
export {
  GGML_TYPE,
  GGUF_DEFAULT_ALIGNMENT,
  type GgmlTypeName,
  type GgufFile,
  type GgufTensor,
  type RowFiller,
  tensorByteSize,
  type WrittenGguf,
  writeGguf,
} from './gguf/writer.ts';
export { GPT_OSS_TEMPLATE } from './gptOssTemplate.ts';
export {
  importModel,
  type ManagerProcess,
  type OwnchatProcess,
  ollamaClient,
  sha256File,
  startManagerProcess,
  startOwnchatProcess,
} from './managerProcess.ts';
export { type ManagerWithModels, startManagerWithModels, type TestModel } from './managerWithModels.ts';
export {
  DETERMINISTIC_ANSWER,
  DETERMINISTIC_PIECES,
  DETERMINISTIC_TOKENS,
  type DeterministicModelInfo,
  type DeterministicModelOptions,
  type ModelInfo,
  type ModelShape,
  QWEN_0_5B,
  sentenceTokens,
  TINY,
  type WeightType,
  writeDeterministicModel,
  writeRandomModel,
} from './models.ts';
export { freePort, NGINX_PATH, type Nginx, startNginx } from './nginx.ts';
export { OWNCHAT_BIN, type OwnchatResult, ownchat } from './ownchat.ts';
export { pngImage, type Rgb } from './png.ts';
export { type Postgres, postgresBin, startPostgres } from './postgres.ts';
export { childPids, rssBytes, treeCpuTicks, untilIdle } from './processes.ts';
export {
  type ProjectorInfo,
  type ProjectorShape,
  TINY_PROJECTOR,
  writeProjector,
} from './projector.ts';
export { metricValue, parsePrometheus, type Sample } from './prometheus.ts';
export { type ImageGrid, type Qwen2vlProjectorInfo, writeQwen2vlProjector } from './qwen2vlProjector.ts';
export { deriveSeed, Rng } from './random.ts';
export { type PushedModel, pushModel, type Registry, startRegistry } from './registry.ts';
export {
  RERANKER_WORDS,
  type TestRerankerInfo,
  testRerankerScore,
  writeTestReranker,
} from './reranker.ts';
export { startTcpProxy, type TcpProxy } from './tcpProxy.ts';
export {
  QWEN25_JINJA,
  QWEN25_TOOLS_TEMPLATE,
  THINKER_LEVELS_TEMPLATE,
  THINKER_TEMPLATE,
} from './templates.ts';
export {
  buildVocabulary,
  CHATML_TEMPLATE,
  COMMON_WORDS,
  SPACE_MARKER,
  TOKEN_ID,
  TOKEN_TYPE,
  type Vocabulary,
  type VocabularyOptions,
  vocabularyMetadata,
} from './tokenizer.ts';
export {
  THINKER,
  THINKER_ANSWER,
  WEATHER_CALL,
  WEATHER_CALLER,
  WEATHER_FINAL,
} from './toolModels.ts';
export { startOwnchatUp, type UpProcess } from './upProcess.ts';
export { type Rgba, webpImage } from './webp.ts';
