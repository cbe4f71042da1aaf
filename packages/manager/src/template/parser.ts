// Go text/template, Ollama's part of it: the parser. Turns text and actions into a tree of text, printed
// pipelines and if/range/with blocks. Anything else (define, template, block) is refused by name.
import { TemplateError } from './errors.ts';
import { type Piece, splitTemplate, type Token, tokenize } from './lexer.ts';
import { depthError, TEMPLATE_LIMITS } from './limits.ts';

export type Operand =
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'literal'; value: unknown }
  | { k: 'func'; name: string }
  | { k: 'pipe'; pipe: Pipeline };

export type Command = Operand[];
export type Pipeline = { decl: string[]; assign: boolean; cmds: Command[] };

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; body: Node[]; else?: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; else?: Node[] }
  | { kind: 'break' | 'continue' };

const UNSUPPORTED = new Set(['define', 'template', 'block']);

/** Go's builtins and Ollama's own template functions: any other name is refused when the template is parsed. */
export const FUNCTIONS = new Set([
  'and',
  'or',
  'not',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'len',
  'index',
  'slice',
  'print',
  'println',
  'printf',
  'html',
  'json',
  'currentDate',
  'yesterdayDate',
  'toTypeScriptType',
]);

export function parseTemplate(src: string, maxDepth = TEMPLATE_LIMITS.maxDepth): Node[] {
  const pieces = splitTemplate(src);
  let i = 0;
  // Blocks open inside one another: bounded, so neither this recursive parser nor the executor can run out of
  // stack on {{if 1}}{{if 1}}… a hundred thousand deep.
  let depth = 0;

  // Parses nodes until one of the `stops` keywords; returns the nodes and the stopping action.
  const list = (stops: string[]): { nodes: Node[]; stop?: { word: string; rest: Token[]; body: string } } => {
    const nodes: Node[] = [];
    while (i < pieces.length) {
      const p = pieces[i++] as Piece;
      if (p.kind === 'text') {
        nodes.push({ kind: 'text', text: p.text });
        continue;
      }
      const tokens = tokenize(p.body);
      const first = tokens[0];
      const word = first?.t === 'ident' ? first.name : undefined;
      if (word && stops.includes(word)) return { nodes, stop: { word, rest: tokens.slice(1), body: p.body } };
      if (word === 'end' || word === 'else') throw new TemplateError(`unexpected {{${p.body}}}`);
      if (word && UNSUPPORTED.has(word)) {
        throw new TemplateError(
          `{{${word}}} is not supported in model templates (only if, range, with and pipelines)`,
        );
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        if (++depth > maxDepth) throw depthError(maxDepth);
        nodes.push(block(word, tokens.slice(1), p.body));
        depth--;
      } else if (word === 'break' || word === 'continue') {
        nodes.push({ kind: word });
      } else {
        if (tokens.length === 0) throw new TemplateError('empty action {{}}');
        nodes.push({ kind: 'print', pipe: pipeline(tokens, p.body, maxDepth) });
      }
    }
    if (stops.length) throw new TemplateError(`missing {{end}}: a block is not closed`);
    return { nodes };
  };

  const block = (word: 'if' | 'with' | 'range', rest: Token[], body: string): Node => {
    if (rest.length === 0) throw new TemplateError(`{{${word}}} needs a value: {{${body}}}`);
    const pipe = pipeline(rest, body, maxDepth);
    const inner = list(['else', 'end']);
    const node: Extract<Node, { kind: 'if' | 'with' | 'range' }> = { kind: word, pipe, body: inner.nodes };
    if (inner.stop?.word === 'else') {
      const after = inner.stop.rest;
      if (
        after.length > 0 &&
        after[0]?.t === 'ident' &&
        (after[0].name === 'if' || after[0].name === 'with')
      ) {
        // {{else if x}} … {{end}}: a nested block that shares the outer {{end}} (a long else-if chain nests).
        if (++depth > maxDepth) throw depthError(maxDepth);
        node.else = [block(after[0].name, after.slice(1), inner.stop.body)];
        depth--;
      } else {
        node.else = list(['end']).nodes;
      }
    }
    return node;
  };

  return list([]).nodes;
}

function pipeline(tokens: Token[], body: string, maxDepth: number): Pipeline {
  let pos = 0;
  let parens = 0;
  const decl: string[] = [];
  let assign = false;
  // $x := …, $i, $e := range …, $x = …
  const declEnd = tokens.findIndex((t) => t.t === 'declare' || t.t === 'assign');
  if (declEnd > 0 && tokens.slice(0, declEnd).every((t) => t.t === 'var' || t.t === 'comma')) {
    for (const t of tokens.slice(0, declEnd)) if (t.t === 'var') decl.push(t.name);
    assign = tokens[declEnd]!.t === 'assign';
    pos = declEnd + 1;
  }
  const parse = (end: (t: Token) => boolean): Command[] => {
    const cmds: Command[] = [[]];
    while (pos < tokens.length && !end(tokens[pos]!)) {
      const t = tokens[pos++]!;
      const cmd = cmds[cmds.length - 1]!;
      switch (t.t) {
        case 'pipe':
          if (cmd.length === 0) throw new TemplateError(`missing command before "|" in {{${body}}}`);
          cmds.push([]);
          break;
        case 'field':
          cmd.push({ k: 'field', path: t.path });
          break;
        case 'var':
          cmd.push({ k: 'var', name: t.name, path: t.path });
          break;
        case 'ident':
          if (!FUNCTIONS.has(t.name)) {
            throw new TemplateError(`function "${t.name}" is not supported in model templates: {{${body}}}`);
          }
          cmd.push({ k: 'func', name: t.name });
          break;
        case 'string':
        case 'number':
        case 'bool':
          cmd.push({ k: 'literal', value: t.value });
          break;
        case 'nil':
          cmd.push({ k: 'literal', value: undefined });
          break;
        case 'lparen': {
          if (++parens > maxDepth) throw depthError(maxDepth);
          const cmdsInner = parse((x) => x.t === 'rparen');
          if (tokens[pos]?.t !== 'rparen') throw new TemplateError(`unclosed "(" in {{${body}}}`);
          pos++;
          parens--;
          cmd.push({ k: 'pipe', pipe: { decl: [], assign: false, cmds: cmdsInner } });
          break;
        }
        default:
          throw new TemplateError(`unexpected ${t.t} in {{${body}}}`);
      }
    }
    if (cmds.some((c) => c.length === 0)) throw new TemplateError(`missing command in {{${body}}}`);
    return cmds;
  };
  const cmds = parse(() => false);
  return { decl, assign, cmds };
}

/** Whether any pipeline in the tree mentions a top-level field (e.g. "Messages", as Ollama checks). */
export function usesField(nodes: Node[], name: string): boolean {
  const inPipe = (p: Pipeline): boolean =>
    p.cmds.some((c) =>
      c.some(
        (o) =>
          (o.k === 'field' && o.path[0] === name) ||
          (o.k === 'var' && o.name === '$' && o.path[0] === name) ||
          (o.k === 'pipe' && inPipe(o.pipe)),
      ),
    );
  return nodes.some((n) => {
    if (n.kind === 'print') return inPipe(n.pipe);
    if (n.kind === 'if' || n.kind === 'with' || n.kind === 'range') {
      return inPipe(n.pipe) || usesField(n.body, name) || (n.else ? usesField(n.else, name) : false);
    }
    return false;
  });
}

/**
 * The tree with everything after the first `.Response` (in document order) removed: Ollama renders the last
 * turn of a legacy (non-.Messages) template this way, so the prompt ends where the model's answer begins.
 */
export function cutAfterResponse(nodes: Node[]): Node[] {
  let cut = false;
  const mentionsResponse = (p: Pipeline) =>
    p.cmds.some((c) => c.some((o) => o.k === 'field' && o.path.includes('Response')));
  const walk = (list: Node[]): Node[] => {
    const out: Node[] = [];
    for (const n of list) {
      if (cut) break;
      if (n.kind === 'print') {
        out.push(n);
        if (mentionsResponse(n.pipe)) cut = true;
      } else if (n.kind === 'if' || n.kind === 'with' || n.kind === 'range') {
        const copy = { ...n, body: walk(n.body) };
        if (n.else && !cut) copy.else = walk(n.else);
        else delete copy.else;
        out.push(copy);
      } else {
        out.push(n);
      }
    }
    return out;
  };
  return walk(nodes);
}
