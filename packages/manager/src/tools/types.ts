// Tools and tool calls in Ollama's wire shape (api/types.go): a call's arguments are an object, its index counts
// the calls of one answer, and its id (call_…) is set when the answer is sent.
export type ToolCall = {
  id?: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
};

export type ToolDefinition = {
  type?: string;
  items?: unknown;
  function?: { name?: string; description?: string; parameters?: Record<string, unknown> };
};
