// The built-in parsers by the names Ollama's registry puts in a model's config (model/parsers/parsers.go
// ParserForName). A name not listed here is not a built-in parser: the model is parsed from its template.
import type { BuiltinParser } from './builtinParser.ts';
import { DeepSeek3Parser } from './deepseek3.ts';
import { Gemma4Parser } from './gemma4.ts';
import { HarmonyParser } from './harmony.ts';
import { MinistralParser } from './ministral.ts';
import { PassthroughParser } from './passthrough.ts';
import { Qwen3Parser } from './qwen3.ts';
import { Qwen3CoderParser } from './qwen3coder.ts';

const PARSERS: Record<string, () => BuiltinParser> = {
  qwen3: () => new Qwen3Parser(false, false),
  'qwen3-thinking': () => new Qwen3Parser(true, true),
  harmony: () => new HarmonyParser(),
  passthrough: () => new PassthroughParser(),
  deepseek3: () => new DeepSeek3Parser(true),
  ministral: () => new MinistralParser(false),
  'qwen3-coder': () => new Qwen3CoderParser(),
  gemma4: () => new Gemma4Parser(true),
  'gemma4-no-thinking': () => new Gemma4Parser(false),
};

export function parserForName(name: string | undefined): BuiltinParser | undefined {
  return name ? PARSERS[name]?.() : undefined;
}

export const BUILTIN_PARSER_NAMES = Object.keys(PARSERS);
