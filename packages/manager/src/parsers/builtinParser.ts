// The output parsers a model's config names (`"parser": "qwen3"`, "harmony", …), as Ollama's model/parsers
// registry has them: each splits one family's output into content, thinking and tool calls, knows whether the
// family can think and call tools, and sees the request's tools and think value before the answer starts.
import type { ToolCall, ToolDefinition } from '../tools/types.ts';

export type ThinkValue = boolean | 'low' | 'medium' | 'high' | 'max';

export type ParsedPiece = { content: string; thinking: string; calls: ToolCall[] };

export interface BuiltinParser {
  /**
   * Called once before the answer: the request's tools (returned as the prompt should show them: harmony
   * renames them), the last message of the conversation (an assistant prefill), and the think value.
   */
  init(
    tools: ToolDefinition[],
    lastMessage: { role: string; content?: string; thinking?: string } | undefined,
    think: ThinkValue | undefined,
  ): ToolDefinition[];
  /** The next piece of output; `done` on the last one, so that held text is let out. */
  add(piece: string, done: boolean): ParsedPiece;
  readonly hasToolSupport: boolean;
  readonly hasThinkingSupport: boolean;
  /**
   * The family's tags the runner must give back as text even where they are special (control) tokens, which
   * it otherwise turns into '' (Ollama's Parser.PreservedTokens, llama-server's preserved_tokens).
   */
  readonly preservedTokens: readonly string[];
}

export class ParserError extends Error {
  override name = 'ParserError';
}
