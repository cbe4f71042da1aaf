// One qwen3-coder tool call, as Ollama's parseToolCall reads it (model/parsers/qwen3coder.go): the text between
// <tool_call> and </tool_call> is XML-like,
//
//   <function=get_current_temperature>
//   <parameter=location>
//   San Francisco
//   </parameter>
//   </function>
//
// Ollama rewrites `<tag=value>` into `<tag name="value">`, escapes the text between the function and parameter
// tags, and decodes the result with Go's encoding/xml; each parameter's text is then typed by the request's
// tool definition (parseValue). Go's decoder is mirrored here for what this input can hold: the function and
// parameter tags, text, and character references.
import type { ToolCall, ToolDefinition } from '../tools/types.ts';
import { ParserError } from './builtinParser.ts';

const TAG = /<(\w+)=([^>]+)>/g;
// Go's \s is ASCII whitespace only.
const XML_TAG = /<\/?(?:function|parameter)(?:[\t\n\f\r ]+name="[^"]*")?>/g;

/** Go's xml.EscapeText, as Ollama uses it for attribute values. */
function escapeText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '&#34;';
    else if (ch === "'") out += '&#39;';
    else if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '\t') out += '&#x9;';
    else if (ch === '\n') out += '&#xA;';
    else if (ch === '\r') out += '&#xD;';
    else out += isXmlChar(c) ? ch : '\uFFFD';
  }
  return out;
}

/** Ollama's escapeTextNode: &, < and > only, so newlines and tabs stay as they are. */
const escapeTextNode = (s: string) =>
  s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

/** Ollama's transformToXML: `<tag=abc>` becomes `<tag name="abc">`, and the text between tags is escaped. */
export function transformToXML(raw: string): string {
  const transformed = raw.replace(
    TAG,
    (_m, tag: string, value: string) => `<${tag} name="${escapeText(value)}">`,
  );
  let out = '';
  let last = 0;
  for (const m of transformed.matchAll(XML_TAG)) {
    if (m.index > last) out += escapeTextNode(transformed.slice(last, m.index));
    out += m[0];
    last = m.index + m[0].length;
  }
  if (last < transformed.length) out += escapeTextNode(transformed.slice(last));
  return out;
}

// The characters XML allows (Go's isInCharacterRange).
function isXmlChar(c: number): boolean {
  return (
    c === 0x09 ||
    c === 0x0a ||
    c === 0x0d ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/**
 * Text or an attribute value as Go's strict decoder gives it: character references replaced, "\r\n" and "\r"
 * read as "\n", and a character XML does not allow an error.
 */
function decodeXmlText(s: string, fail: (reason: string, offset: number) => never): string {
  for (let i = 0; i < s.length; ) {
    const c = s.codePointAt(i)!;
    if (!isXmlChar(c)) fail(`illegal character code U+${c.toString(16).toUpperCase().padStart(4, '0')}`, i);
    i += c > 0xffff ? 2 : 1;
  }
  return s.replace(/\r\n?/g, '\n').replace(/&([^;&]*);?/g, (whole, name: string, at: number) => {
    if (!whole.endsWith(';')) fail(`invalid character entity ${whole} (no semicolon)`, at);
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(name);
    if (num) {
      const code = num[1]!.startsWith('x') ? Number.parseInt(num[1]!.slice(1), 16) : Number(num[1]);
      if (!isXmlChar(code)) fail(`invalid character entity ${whole}`, at);
      return String.fromCodePoint(code);
    }
    const named = NAMED_ENTITIES[name];
    if (named === undefined) fail(`invalid character entity ${whole}`, at);
    return named!;
  });
}

type XmlToken =
  | { kind: 'start'; name: string; attr: string | undefined }
  | { kind: 'end'; name: string; bad: boolean; at: number }
  | { kind: 'text'; text: string };

/**
 * The function and parameter tags and the text between them, in order; `fail` takes the offset where Go's
 * decoder would stop.
 */
function* xmlTokens(xml: string, fail: (reason: string, at: number) => never): Generator<XmlToken> {
  const text = (from: number, to: number): XmlToken => ({
    kind: 'text',
    text: decodeXmlText(xml.slice(from, to), (r, i) => fail(r, from + i)),
  });
  let last = 0;
  for (const m of xml.matchAll(XML_TAG)) {
    if (m.index > last) yield text(last, m.index);
    const tag = m[0];
    const end = m.index + tag.length;
    const name = /^<\/?(\w+)/.exec(tag)![1]!;
    const attr = /name="([^"]*)"/.exec(tag)?.[1];
    if (tag.startsWith('</')) {
      yield { kind: 'end', name, bad: attr !== undefined, at: end };
    } else {
      if (attr?.includes('<')) fail('unescaped < inside quoted string', m.index);
      yield {
        kind: 'start',
        name,
        attr: attr === undefined ? undefined : decodeXmlText(attr, (r) => fail(r, m.index)),
      };
    }
    last = end;
  }
  if (last < xml.length) yield text(last, xml.length);
}

type XmlFunctionCall = { name: string; parameters: { name: string; value: string }[] };

/**
 * Go's xml.Unmarshal into Ollama's XMLFunctionCall: the first element must be <function>; its <parameter>
 * children give a name attribute and their own text (nested elements are skipped); what follows the function
 * element is not read.
 */
function unmarshalFunctionCall(xml: string): XmlFunctionCall {
  const fail = (reason: string, at: number): never => {
    const line = xml.slice(0, at).split('\n').length;
    throw new ParserError(`XML syntax error on line ${line}: ${reason}`);
  };
  const tokens = xmlTokens(xml, fail);
  const open: string[] = [];
  const next = (): XmlToken | undefined => {
    const r = tokens.next();
    if (r.done) {
      if (open.length) fail('unexpected EOF', xml.length);
      return undefined;
    }
    const t = r.value;
    if (t.kind === 'start') open.push(t.name);
    if (t.kind === 'end') {
      if (t.bad) fail(`invalid characters between </${t.name} and >`, t.at);
      const top = open.pop();
      if (top === undefined) fail(`unexpected end element </${t.name}>`, t.at);
      if (top !== t.name) fail(`element <${top}> closed by </${t.name}>`, t.at);
    }
    return t;
  };
  // Skips the rest of the element just opened (Go's Decoder.Skip).
  const skip = () => {
    const depth = open.length;
    while (open.length >= depth) if (!next()) return;
  };

  let root: XmlToken | undefined;
  do root = next();
  while (root && root.kind !== 'start');
  if (!root) throw new ParserError('EOF');
  if (root.name !== 'function') {
    throw new ParserError(`expected element type <function> but have <${root.name}>`);
  }
  const call: XmlFunctionCall = { name: root.attr ?? '', parameters: [] };
  for (let t = next(); t && t.kind !== 'end'; t = next()) {
    if (t.kind !== 'start') continue;
    if (t.name !== 'parameter') {
      skip();
      continue;
    }
    let value = '';
    for (let p = next(); p && p.kind !== 'end'; p = next()) {
      if (p.kind === 'text') value += p.text;
      else skip();
    }
    call.parameters.push({ name: t.attr ?? '', value });
  }
  return call;
}

/** The JSON types a tool's definition gives a parameter (anyOf: all its members' types). */
function parameterType(tools: ToolDefinition[], fn: string, param: string): string[] {
  const tool = tools.find((t) => t.function?.name === fn);
  const props = tool?.function?.parameters?.properties;
  if (!props || typeof props !== 'object' || !Object.hasOwn(props, param)) return [];
  const prop = (props as Record<string, unknown>)[param] as { type?: unknown; anyOf?: unknown } | null;
  const types = (t: unknown): string[] =>
    typeof t === 'string' ? [t] : Array.isArray(t) ? t.filter((x) => typeof x === 'string') : [];
  if (Array.isArray(prop?.anyOf) && prop.anyOf.length > 0) {
    return prop.anyOf.flatMap((p) => types((p as { type?: unknown } | null)?.type));
  }
  return types(prop?.type);
}

/** Ollama's parseToolCall: the call's function name and its arguments, typed by the request's tools. */
export function parseToolCall(raw: string, tools: ToolDefinition[], index: number): ToolCall {
  const fn = unmarshalFunctionCall(transformToXML(raw));
  const args: Record<string, unknown> = {};
  for (const p of fn.parameters) {
    // defineProperty: a parameter called __proto__ is an argument like any other.
    Object.defineProperty(args, p.name, {
      value: parseValue(p.value, parameterType(tools, fn.name, p.name)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { function: { index, name: fn.name, arguments: args } };
}

/** Ollama's parseValue: one leading and one trailing newline go, as in Qwen's reference parser. */
export function parseValue(raw: string, paramType: string[]): unknown {
  let s = raw.startsWith('\n') ? raw.slice(1) : raw;
  if (s.endsWith('\n')) s = s.slice(0, -1);
  return parseTypedToolValue(s, paramType);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(raw, 10, 64). */
function goParseInt(raw: string): number | undefined {
  if (!/^[+-]?\d+$/.test(raw)) return undefined;
  const n = BigInt(raw);
  return n < INT64_MIN || n > INT64_MAX ? undefined : Number(n);
}

/**
 * Go's strconv.ParseFloat(raw, 64) for decimal numbers; a value out of float64's range is an error there too.
 * Not here: Go's hexadecimal floats and its Inf and NaN spellings, which no JSON argument can carry.
 */
function goParseFloat(raw: string): number | undefined {
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw)) return undefined;
  const f = Number(raw);
  return Number.isFinite(f) ? f : undefined;
}

/**
 * Ollama's parseTypedToolValue: null (any case) first, then the most specific of the declared types that
 * parses, in the order boolean, integer, number, array, object, string; a value that fits no declared type
 * stays a string (a lone boolean type gives false).
 */
function parseTypedToolValue(raw: string, paramType: string[]): unknown {
  if (raw.toLowerCase() === 'null') return null;
  if (paramType.length === 0) return raw;
  const types = new Set(paramType);
  const only = paramType.length === 1;
  if (types.has('boolean')) {
    const lower = raw.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (only) return false;
  }
  if (types.has('integer')) {
    const i = goParseInt(raw);
    if (i !== undefined) return i;
    if (only) return raw;
  }
  if (types.has('number')) {
    const f = goParseFloat(raw);
    // A whole number comes back as an integer (Go's int): 100.0 is 100, and never -0. (Beyond int64, Go's
    // conversion overflows to -9223372036854775808 on amd64; here the number stays as it was written.)
    if (f !== undefined) return f === 0 ? 0 : f;
    if (only) return raw;
  }
  for (const kind of ['array', 'object'] as const) {
    if (!types.has(kind)) continue;
    const parsed = jsonOf(raw);
    if (parsed.ok) {
      const v = parsed.value;
      // Go's json.Unmarshal takes null into a slice or a map too.
      const fits = kind === 'array' ? Array.isArray(v) : typeof v === 'object' && !Array.isArray(v);
      if (v === null || fits) return v;
    }
    if (only) return raw;
  }
  return raw;
}

function jsonOf(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}
