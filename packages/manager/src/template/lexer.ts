// Go text/template, the part Ollama's model templates use: the lexer. Splits a template into text and actions
// ({{ … }}), applying the trim markers ({{- trims the whitespace before, -}} the whitespace after), and an
// action's inside into tokens.
import { TemplateError } from './errors.ts';

export type Piece = { kind: 'text'; text: string } | { kind: 'action'; body: string; pos: number };

const SPACE = /[ \t\r\n]/;

/** Text and actions, with trim markers applied to the neighbouring text. */
export function splitTemplate(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    trimNextText = false;
    if (open < 0) {
      if (text) out.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    // "{{- " trims; "{{-3}}" is a negative number, so the dash must be followed by a space.
    if (src[start] === '-' && SPACE.test(src[start + 1] ?? '')) {
      text = trimSpaceEnd(text);
      start += 2;
    }
    if (text) out.push({ kind: 'text', text });
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError(`unclosed action: "{{" at offset ${open} has no matching "}}"`);
    let end = close;
    if (src[close - 1] === '-' && SPACE.test(src[close - 2] ?? '')) {
      end = close - 2;
      trimNextText = true;
    }
    const body = src.slice(start, end).trim();
    if (!body.startsWith('/*')) out.push({ kind: 'action', body, pos: open });
    else if (!body.endsWith('*/')) throw new TemplateError(`unclosed comment at offset ${open}`);
    i = close + 2;
  }
  return out;
}

/**
 * The text without its trailing spaces. Not /[ \t\r\n]+$/: that regex is quadratic on a long run of spaces
 * followed by anything else (200 KB of spaces took 28 s), a request could hold the event loop with it.
 */
function trimSpaceEnd(text: string): string {
  let end = text.length;
  while (end > 0 && SPACE.test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** The "}}" closing an action that starts at `from`, skipping quoted strings (which may contain "}}"). */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"' || c === '`' || c === "'") {
      const q = c;
      i++;
      while (i < src.length && src[i] !== q) i += src[i] === '\\' && q !== '`' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '}' && src[i + 1] === '}') return i;
    i++;
  }
  return -1;
}

export type Token =
  | { t: 'field'; path: string[] } // .A.B ("." alone: path [])
  | { t: 'var'; name: string; path: string[] } // $x.A ("$" alone: name "$")
  | { t: 'ident'; name: string }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'pipe' }
  | { t: 'lparen' }
  | { t: 'rparen' }
  | { t: 'declare' } // :=
  | { t: 'assign' } // =
  | { t: 'comma' };

/** The tokens of an action's body. */
export function tokenize(body: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  const path = () => {
    const parts: string[] = [];
    while (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) {
      ident.lastIndex = i + 1;
      const m = ident.exec(body)!;
      parts.push(m[0]);
      i = ident.lastIndex;
    }
    return parts;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (SPACE.test(c)) {
      i++;
    } else if (c === '|') {
      out.push({ t: 'pipe' });
      i++;
    } else if (c === '(') {
      out.push({ t: 'lparen' });
      i++;
    } else if (c === ')') {
      out.push({ t: 'rparen' });
      i++;
    } else if (c === ',') {
      out.push({ t: 'comma' });
      i++;
    } else if (c === ':' && body[i + 1] === '=') {
      out.push({ t: 'declare' });
      i += 2;
    } else if (c === '=') {
      out.push({ t: 'assign' });
      i++;
    } else if (c === '.') {
      if (/[A-Za-z_]/.test(body[i + 1] ?? '')) out.push({ t: 'field', path: path() });
      else {
        out.push({ t: 'field', path: [] });
        i++;
      }
    } else if (c === '$') {
      ident.lastIndex = i + 1;
      const m = ident.exec(body);
      const name = m ? `$${m[0]}` : '$';
      i = m ? ident.lastIndex : i + 1;
      out.push({ t: 'var', name, path: path() });
    } else if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) throw new TemplateError(`unterminated string in {{${body}}}`);
      out.push({ t: 'string', value: JSON.parse(body.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (c === '`') {
      const j = body.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError(`unterminated raw string in {{${body}}}`);
      out.push({ t: 'string', value: body.slice(i + 1, j) });
      i = j + 1;
    } else if (/[-+0-9]/.test(c)) {
      const m = /[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/y;
      m.lastIndex = i;
      const n = m.exec(body);
      if (!n) throw new TemplateError(`bad number in {{${body}}}`);
      out.push({ t: 'number', value: Number(n[0]) });
      i = m.lastIndex;
    } else if (/[A-Za-z_]/.test(c)) {
      ident.lastIndex = i;
      const m = ident.exec(body)!;
      i = ident.lastIndex;
      if (m[0] === 'true' || m[0] === 'false') out.push({ t: 'bool', value: m[0] === 'true' });
      else if (m[0] === 'nil') out.push({ t: 'nil' });
      else out.push({ t: 'ident', name: m[0] });
      // A field chained on an identifier's result, like (x).Field, is rare in model templates: not supported.
      if (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) {
        throw new TemplateError(`field access on a function result is not supported: {{${body}}}`);
      }
    } else {
      throw new TemplateError(`unexpected character ${JSON.stringify(c)} in {{${body}}}`);
    }
  }
  return out;
}
