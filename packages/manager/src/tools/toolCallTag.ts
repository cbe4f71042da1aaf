// The text a model writes before a tool call, found from its Go template as Ollama's tools.parseTag does: the
// first non-blank text inside the `{{if .ToolCalls}}` block, cut before any "{" (a JSON call starts there) and
// trimmed. No tag, or nothing before the JSON, gives "{": every JSON object is then tried as a call.
import type { Node, Pipeline } from '../template/parser.ts';

export function toolCallTag(nodes: Node[] | undefined): string {
  if (!nodes) return '{';
  const block = findToolCallsIf(nodes);
  if (!block) return '{';
  const text = firstText(block.body);
  if (text === undefined) return '{';
  const tag = text.replaceAll('\r\n', '\n').split('{')[0]!.trim();
  return tag === '' ? '{' : tag;
}

type Block = Extract<Node, { kind: 'if' | 'with' }>;

// An {{if}} whose pipeline names a field .ToolCalls (at any depth of the field chain), searched depth first.
function findToolCallsIf(nodes: Node[]): Block | undefined {
  const mentions = (p: Pipeline) =>
    p.cmds.some((cmd) => cmd.some((o) => o.k === 'field' && o.path.includes('ToolCalls')));
  for (const n of nodes) {
    if (n.kind === 'if' && mentions(n.pipe)) return n;
    if (n.kind === 'if' || n.kind === 'range' || n.kind === 'with') {
      const found = findToolCallsIf(n.body) ?? (n.else ? findToolCallsIf(n.else) : undefined);
      if (found) return found;
    }
  }
  return undefined;
}

// The first text that is not only whitespace, stopping at the first action or after the first nested block
// (text after a call's own template would not be a prefix).
function firstText(nodes: Node[]): string | undefined {
  for (const n of nodes) {
    if (n.kind === 'text') {
      if (n.text.trim() === '') continue;
      return n.text;
    }
    if (n.kind === 'if' || n.kind === 'range' || n.kind === 'with') {
      return firstText(n.body) ?? (n.else ? firstText(n.else) : undefined);
    }
    if (n.kind === 'print') return undefined;
  }
  return undefined;
}

/**
 * The tool-call tag as a token the runner keeps as text (Ollama's llamaServerPreservedTokensForToolTag): none
 * for a bare JSON start; a tag like "[TOOL_CALLS][" keeps its leading bracketed special token only.
 */
export function preservedToolTag(tag: string): string[] {
  if (tag === '' || tag === '{' || tag === '[') return [];
  const close = tag[0] === '[' ? ']' : tag[0] === '<' ? '>' : undefined;
  const end = close ? tag.indexOf(close) : -1;
  return [end > 0 ? tag.slice(0, end + 1) : tag];
}

/**
 * The tool-call tag of a GGUF's Jinja template, for models without a Go template: Hermes-style templates
 * (qwen2.5, qwen3, …) wrap calls in <tool_call>, as llama.cpp's chat parser recognises them; any other answers
 * calls as bare JSON, every object a call candidate.
 */
export function jinjaToolCallTag(chatTemplate: string): string {
  return chatTemplate.includes('<tool_call>') ? '<tool_call>' : '{';
}
