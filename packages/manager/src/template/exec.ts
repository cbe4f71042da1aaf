// Go text/template, Ollama's part of it: execution. Values are plain JavaScript data; a field `.ToolCalls` is
// found as `ToolCalls`, `toolCalls` or `tool_calls`, so wire-shaped (snake_case) objects render as Ollama's Go
// structs do. Truth is Go's: false, 0, "", nil and empty lists and maps are false.
import { TemplateError } from './errors.ts';
import { goFloat, goJson, goV } from './goValues.ts';
import { Budget } from './limits.ts';
import type { Node, Operand, Pipeline } from './parser.ts';

type Scope = { vars: Map<string, unknown>; parent?: Scope };

class Break {}
class Continue {}

export function execute(
  nodes: Node[],
  data: unknown,
  funcs: Record<string, (...args: unknown[]) => unknown> = {},
  /** Shared by every execution of one prompt (a legacy template runs once per turn). */
  budget: Budget = new Budget(),
): string {
  let out = '';
  const root: Scope = { vars: new Map([['$', data]]) };

  const lookupVar = (s: Scope, name: string): unknown => {
    for (let c: Scope | undefined = s; c; c = c.parent) if (c.vars.has(name)) return c.vars.get(name);
    throw new TemplateError(`undefined variable ${name}`);
  };
  const setVar = (s: Scope, name: string, v: unknown) => {
    for (let c: Scope | undefined = s; c; c = c.parent) {
      if (c.vars.has(name)) {
        c.vars.set(name, v);
        return;
      }
    }
    throw new TemplateError(`undefined variable ${name}`);
  };

  const operand = (o: Operand, dot: unknown, s: Scope): unknown => {
    switch (o.k) {
      case 'field':
        return fieldPath(dot, o.path);
      case 'var':
        return fieldPath(lookupVar(s, o.name), o.path);
      case 'literal':
        return o.value;
      case 'pipe':
        return pipe(o.pipe, dot, s);
      case 'func':
        return call(o.name, [], dot, s);
    }
  };

  const call = (
    name: string,
    args: Operand[],
    dot: unknown,
    s: Scope,
    piped?: { value: unknown },
  ): unknown => {
    // and/or evaluate lazily, as Go's do.
    if (name === 'and' || name === 'or') {
      const all = [...args.map((a) => () => operand(a, dot, s)), ...(piped ? [() => piped.value] : [])];
      let v: unknown;
      for (const get of all) {
        v = get();
        if (name === 'and' ? !truth(v) : truth(v)) return v;
      }
      return v;
    }
    const values = args.map((a) => operand(a, dot, s));
    if (piped) values.push(piped.value);
    const f = BUILTINS[name] ?? funcs[name];
    if (!f) throw new TemplateError(`function "${name}" is not supported in model templates`);
    budget.step();
    const result = f(...values);
    // A value kept in a variable is never written, so its size is checked where it is made ($x = print $x $x).
    if (typeof result === 'string') budget.size(result.length);
    return result;
  };

  const command = (cmd: Operand[], dot: unknown, s: Scope, piped?: { value: unknown }): unknown => {
    const [head, ...args] = cmd;
    if (head?.k === 'func') return call(head.name, args, dot, s, piped);
    if (args.length > 0 || piped) throw new TemplateError('only functions take arguments');
    return operand(head!, dot, s);
  };

  const pipe = (p: Pipeline, dot: unknown, s: Scope): unknown => {
    let value: unknown;
    p.cmds.forEach((cmd, i) => {
      value = command(cmd, dot, s, i === 0 ? undefined : { value });
    });
    if (p.decl.length === 1) {
      if (p.assign) setVar(s, p.decl[0]!, value);
      else s.vars.set(p.decl[0]!, value);
    }
    return value;
  };

  const write = (text: string) => {
    budget.size(out.length + text.length);
    out += text;
  };

  const run = (list: Node[], dot: unknown, parent: Scope) => {
    const s: Scope = { vars: new Map(), parent };
    for (const n of list) {
      budget.step();
      switch (n.kind) {
        case 'text':
          write(n.text);
          break;
        case 'print': {
          const v = pipe(n.pipe, dot, s);
          if (n.pipe.decl.length === 0) write(show(v));
          break;
        }
        case 'if': {
          const v = pipe(n.pipe, dot, s);
          if (truth(v)) run(n.body, dot, s);
          else if (n.else) run(n.else, dot, s);
          break;
        }
        case 'with': {
          const v = pipe(n.pipe, dot, s);
          if (truth(v)) run(n.body, v, s);
          else if (n.else) run(n.else, dot, s);
          break;
        }
        case 'range': {
          const decl = n.pipe.decl;
          const v = pipe({ ...n.pipe, decl: [] }, dot, s);
          let empty = true;
          for (const [key, item] of rangeEntries(v)) {
            empty = false;
            budget.step();
            const inner: Scope = { vars: new Map(), parent: s };
            if (decl.length === 1) inner.vars.set(decl[0]!, item);
            if (decl.length === 2) {
              inner.vars.set(decl[0]!, key);
              inner.vars.set(decl[1]!, item);
            }
            try {
              run(n.body, item, inner);
            } catch (e) {
              if (e instanceof Break) break;
              if (e instanceof Continue) continue;
              throw e;
            }
          }
          if (empty && n.else) run(n.else, dot, s);
          break;
        }
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
      }
    }
  };

  run(nodes, data, root);
  return out;
}

/** What range walks, one entry at a time: a count (Go's range over an int) is never made into a list. */
function* rangeEntries(v: unknown): Generator<[unknown, unknown]> {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield [i, v[i]];
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TemplateError(`range can't iterate over ${show(v)}`);
    for (let i = 0; i < v; i++) yield [i, i];
  } else if (typeof v === 'object') {
    for (const k of Object.keys(v).sort()) yield [k, (v as Record<string, unknown>)[k]];
  } else {
    throw new TemplateError(`range can't iterate over ${show(v)}`);
  }
}

/** Finds a Go-style field (.ToolCalls) on wire-shaped data: ToolCalls, toolCalls or tool_calls. */
function field(obj: unknown, name: string): unknown {
  if (obj === undefined || obj === null || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  if (name in o) return o[name];
  const camel = name[0]!.toLowerCase() + name.slice(1);
  if (camel in o) return o[camel];
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (snake in o) return o[snake];
  return undefined;
}

function fieldPath(v: unknown, path: string[]): unknown {
  return path.reduce((acc, name) => field(acc, name), v);
}

export function truth(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * How a value prints with {{ }}, as Go's fmt prints Ollama's template data: strings as they are, a missing value
 * as "<no value>", numbers as float64s, lists as [a b] and maps as map[k:v]; Ollama's own types (tools, tool-call
 * arguments, properties) print through their String() methods, which write JSON (see goValues.ts).
 */
function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  return goV(v);
}

function compare(name: string, a: unknown, b: unknown): number {
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) {
    throw new TemplateError(`${name}: cannot compare ${show(a)} and ${show(b)}`);
  }
  return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
}

function length(v: unknown): number {
  if (typeof v === 'string') return new TextEncoder().encode(v).length; // Go's len counts bytes
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  throw new TemplateError(`len of ${show(v)}`);
}

const BUILTINS: Record<string, (...args: unknown[]) => unknown> = {
  eq: (a, ...rest) => {
    if (rest.length === 0) throw new TemplateError('eq needs at least two arguments');
    return rest.some((b) => a === b);
  },
  ne: (a, b) => a !== b,
  lt: (a, b) => compare('lt', a, b) < 0,
  le: (a, b) => compare('le', a, b) <= 0,
  gt: (a, b) => compare('gt', a, b) > 0,
  ge: (a, b) => compare('ge', a, b) >= 0,
  not: (a) => !truth(a),
  len: (a) => length(a),
  index: (v, ...keys) =>
    keys.reduce((acc, k) => {
      if (Array.isArray(acc)) {
        if (typeof k !== 'number' || k < 0 || k >= acc.length)
          throw new TemplateError(`index out of range: ${show(k)}`);
        return acc[k];
      }
      return acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[String(k)] : undefined;
    }, v),
  slice: (v, ...idx) => {
    const [from = 0, to] = idx as number[];
    if (typeof v === 'string' || Array.isArray(v)) {
      const end = to ?? v.length;
      if (from < 0 || end > v.length || from > end)
        throw new TemplateError(`slice index out of range: ${from}:${end}`);
      return v.slice(from, end);
    }
    throw new TemplateError(`can't slice ${show(v)}`);
  },
  print: (...args) =>
    args
      .map((a, i) =>
        i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ` ${show(a)}` : show(a),
      )
      .join(''),
  println: (...args) => `${args.map(show).join(' ')}\n`,
  printf: (format, ...args) => {
    let i = 0;
    return String(format).replace(/%([%vsdqf])/g, (_m, verb: string) => {
      if (verb === '%') return '%';
      const a = args[i++];
      if (verb === 'q') return JSON.stringify(typeof a === 'string' ? a : show(a));
      return show(a);
    });
  },
  // Ollama's own: JSON as Go's json.Marshal writes it, which escapes <, > and & for HTML.
  json: (v) => goJson(v),
  html: (v) => show(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
};
