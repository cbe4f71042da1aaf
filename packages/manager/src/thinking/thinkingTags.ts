// The tags around a model's thinking, found from its Go template as Ollama's thinking.InferTags does: where a
// range over .Messages prints .Thinking, the text that opens and the text that closes the innermost block
// around it (trimmed) are the tags. The last such mention in the template decides. No mention: no tags, and
// the model has no thinking capability from its template.
import type { Node, Operand, Pipeline } from '../template/parser.ts';

export function thinkingTags(nodes: Node[]): { opening: string; closing: string } {
  let opening = '';
  let closing = '';
  const rangesOverMessages = (p: Pipeline): boolean => p.cmds.some((c) => c.some(usesMessages));
  const usesMessages = (o: Operand): boolean =>
    (o.k === 'field' && o.path[0] === 'Messages') || (o.k === 'pipe' && rangesOverMessages(o.pipe));

  // `list` is the innermost list holding the node; `inMessages` whether the innermost range is over .Messages.
  const visitPipe = (p: Pipeline, list: Node[], inMessages: boolean) => {
    if (!inMessages) return;
    // Each mention counts once per field node, as Go visits them; every one sets the tags again.
    const count = countMentions(p);
    for (let i = 0; i < count; i++) {
      const first = list[0];
      const last = list[list.length - 1];
      if (first?.kind === 'text') opening = first.text.trim();
      if (last?.kind === 'text') closing = last.text.trim();
    }
  };
  const countMentions = (p: Pipeline): number =>
    p.cmds.reduce(
      (n, c) =>
        n +
        c.reduce(
          (m, o) =>
            m +
            (o.k === 'field' && o.path[0] === 'Thinking' ? 1 : o.k === 'pipe' ? countMentions(o.pipe) : 0),
          0,
        ),
      0,
    );
  const walk = (list: Node[], inMessages: boolean) => {
    for (const n of list) {
      if (n.kind === 'print') visitPipe(n.pipe, list, inMessages);
      else if (n.kind === 'if' || n.kind === 'with' || n.kind === 'range') {
        // Go counts a range as the innermost range of its own pipeline too.
        const inner = n.kind === 'range' ? rangesOverMessages(n.pipe) : inMessages;
        visitPipe(n.pipe, list, inner);
        walk(n.body, inner);
        if (n.else) walk(n.else, inner);
      }
    }
  };
  walk(nodes, false);
  return { opening, closing };
}
