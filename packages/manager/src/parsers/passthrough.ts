// Ollama's "passthrough" parser: everything is content.
import type { BuiltinParser, ParsedPiece } from './builtinParser.ts';

export class PassthroughParser implements BuiltinParser {
  readonly hasToolSupport = false;
  readonly hasThinkingSupport = false;
  readonly preservedTokens = [];
  init<T>(tools: T): T {
    return tools;
  }
  add(piece: string): ParsedPiece {
    return { content: piece, thinking: '', calls: [] };
  }
}
