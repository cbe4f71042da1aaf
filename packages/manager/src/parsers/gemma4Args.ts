// A Gemma 4 call's arguments (`{key:<|"|>text<|"|>,n:1,list:[…]}`) as JSON, as Ollama's gemma4 parser reads them
// (model/parsers/gemma4.go): strings between <|"|> delimiters become JSON strings, bare keys get quoted. When
// that is not valid JSON, a few repairs for what the model is known to write (an unclosed last string, 'single
// quoted' values, a raw text value for a string parameter) are tried, each still parsed strictly.
import type { ToolDefinition } from '../tools/types.ts';

const DELIM = '<|"|>';
const QUOTED_STRING = /<\|"\|>([\s\S]*?)<\|"\|>/g;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// Go's unicode.IsSpace, IsLetter and IsDigit on one code point.
const isSpace = (c: string) => /^[\t\n\v\f\r \u0085\u00a0\p{Zs}\u2028\u2029]$/u.test(c);
const isKeyChar = (c: string) => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);
const charAt = (s: string, i: number) => String.fromCodePoint(s.codePointAt(i)!);

/** The arguments as an object, or the reason they are not one. */
export function parseGemma4Arguments(
  argsStr: string,
  toolName: string,
  tools: ToolDefinition[],
): Obj | Error {
  const strict = parseObject(gemma4ArgsToJSON(argsStr));
  if (!(strict instanceof Error)) return strict;
  for (const candidate of gemma4RepairCandidates(argsStr, toolName, tools)) {
    const repaired = parseObject(gemma4ArgsToJSON(candidate));
    if (!(repaired instanceof Error)) return repaired;
  }
  return new Error(`${strict.message}\nrepair failed to produce valid JSON arguments`);
}

function parseObject(json: string): Obj | Error {
  try {
    const v: unknown = JSON.parse(json);
    return isObj(v) ? v : new Error('tool call arguments are not an object');
  } catch (e) {
    return e as Error;
  }
}

/** Gemma 4's argument syntax as JSON text. */
export function gemma4ArgsToJSON(s: string): string {
  const quoted: string[] = [];
  let text = s.replace(QUOTED_STRING, (_m, inner: string) => {
    quoted.push(inner);
    return `\x00${String.fromCodePoint(quoted.length - 1)}\x00`;
  });
  text = quoteGemma4BareKeys(text);
  quoted.forEach((value, i) => {
    // A function, so that `$` in the value is not read as a replacement pattern.
    text = text.replaceAll(`\x00${String.fromCodePoint(i)}\x00`, () => JSON.stringify(value));
  });
  return text;
}

function quoteGemma4BareKeys(s: string): string {
  let sb = '';
  for (let i = 0; i < s.length; ) {
    if (s[i] === '"') {
      const end = gemma4JSONQuotedStringEnd(s, i);
      if (end !== -1) {
        sb += s.slice(i, end);
        i = end;
        continue;
      }
    }
    if (s[i] !== '{' && s[i] !== ',') {
      sb += s[i];
      i++;
      continue;
    }
    sb += s[i];
    i++;
    const spaceStart = i;
    i = gemma4SkipSpace(s, i);
    sb += s.slice(spaceStart, i);
    const keyEnd = gemma4BareKeyEnd(s, i);
    if (keyEnd > i && keyEnd < s.length && s[keyEnd] === ':') {
      sb += `"${s.slice(i, keyEnd)}":`;
      i = keyEnd + 1;
    }
  }
  return sb;
}

function gemma4BareKeyEnd(s: string, start: number): number {
  let i = start;
  while (i < s.length) {
    const c = charAt(s, i);
    if (!isKeyChar(c)) break;
    i += c.length;
  }
  return i;
}

/**
 * The repaired argument texts worth trying after strict parsing failed: the text with its single-quoted values
 * and an unclosed last string fixed, and, where the tool's schema says a parameter is a string, its raw value
 * delimited (the only case where a missing final `}` is added without another repair having been made).
 */
export function gemma4RepairCandidates(argsStr: string, toolName: string, tools: ToolDefinition[]): string[] {
  const candidates: string[] = [];
  const add = (candidate: string, allowMissingObjectClose: boolean) => {
    const original = candidate;
    candidate = repairGemma4MissingStringDelimiter(repairGemma4SingleQuotedValues(candidate));
    if (allowMissingObjectClose || candidate !== original)
      candidate = repairGemma4MissingObjectClose(candidate);
    if (!candidates.includes(candidate)) candidates.push(candidate);
  };
  add(argsStr, false);
  const raw = repairGemma4RawTerminalStringValue(argsStr, toolName, tools);
  if (raw !== undefined) add(raw, true);
  return candidates;
}

/** Closes an odd <|"|>, before a closing brace or bracket that directly follows the value. */
export function repairGemma4MissingStringDelimiter(s: string): string {
  if ((s.split(DELIM).length - 1) % 2 === 0) return s;
  let at = gemma4TrimRightSpaceIndex(s);
  if (at > 0 && (s[at - 1] === '}' || s[at - 1] === ']')) at--;
  return s.slice(0, at) + DELIM + s.slice(at);
}

/** Adds the final `}` of an object that starts with `{` and does not end with one (before trailing space). */
export function repairGemma4MissingObjectClose(s: string): string {
  if (!s.replace(/^\s+/u, '').startsWith('{')) return s;
  const end = gemma4TrimRightSpaceIndex(s);
  if (end > 0 && s[end - 1] === '}') return s;
  return `${s.slice(0, end)}}${s.slice(end)}`;
}

/** 'single quoted' values as <|"|>delimited<|"|> ones, dropping a stray <|"|> right after the closing quote. */
export function repairGemma4SingleQuotedValues(s: string): string {
  let sb = '';
  for (let i = 0; i < s.length; ) {
    if (s.startsWith(DELIM, i)) {
      const close = s.indexOf(DELIM, i + DELIM.length);
      if (close === -1) {
        sb += s.slice(i);
        break;
      }
      sb += s.slice(i, close + DELIM.length);
      i = close + DELIM.length;
      continue;
    }
    if (s[i] === '"') {
      const end = gemma4JSONQuotedStringEnd(s, i);
      if (end !== -1) {
        sb += s.slice(i, end);
        i = end;
        continue;
      }
    }
    if (s[i] !== ':') {
      sb += s[i];
      i++;
      continue;
    }
    sb += s[i];
    i++;
    const spaceEnd = gemma4SkipSpace(s, i);
    sb += s.slice(i, spaceEnd);
    i = spaceEnd;
    if (i >= s.length || s[i] !== "'") continue;
    const quoted = gemma4SingleQuotedValue(s, i);
    if (!quoted) continue;
    sb += DELIM + quoted.value + DELIM;
    i = quoted.end;
    if (s.startsWith(DELIM, i)) i += DELIM.length;
  }
  return sb;
}

function gemma4SingleQuotedValue(s: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let escaped = false;
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === "'" && !escaped) return { value, end: i + 1 };
    value += s[i];
    escaped = s[i] === '\\' && !escaped;
  }
  return undefined;
}

/**
 * Delimits a raw text value, only for a parameter the tool's schema types as a string: raw text is otherwise too
 * ambiguous. Undefined when there is nothing to repair.
 */
export function repairGemma4RawTerminalStringValue(
  argsStr: string,
  toolName: string,
  tools: ToolDefinition[] | undefined,
): string | undefined {
  const props = gemma4ToolProperties(toolName, tools ?? []);
  if (!props) return undefined;
  for (const [key, prop] of Object.entries(props)) {
    if (!gemma4PropertyAcceptsString(prop)) continue;
    const repaired = repairRawValueForKey(argsStr, key, props);
    if (repaired !== undefined) return repaired;
  }
  return undefined;
}

function gemma4ToolProperties(toolName: string, tools: ToolDefinition[]): Obj | undefined {
  const tool = tools.find((t) => t.function?.name === toolName);
  const props = tool?.function?.parameters?.properties;
  return isObj(props) ? props : undefined;
}

function repairRawValueForKey(s: string, key: string, props: Obj): string | undefined {
  for (let searchStart = 0; searchStart < s.length; ) {
    const valueStart = gemma4FindValueStartForKey(s, key, searchStart);
    if (valueStart === undefined) return undefined;
    const valueCheck = gemma4SkipSpace(s, valueStart);
    if (valueCheck < s.length && gemma4ValueStartsStructured(s, valueCheck)) {
      searchStart = valueStart;
      continue;
    }
    const valueEnd = gemma4RawStringValueEnd(s, valueStart, props);
    return s.slice(0, valueStart) + DELIM + s.slice(valueStart, valueEnd) + DELIM + s.slice(valueEnd);
  }
  return undefined;
}

function gemma4FindValueStartForKey(s: string, key: string, searchStart: number): number | undefined {
  for (let i = searchStart; i < s.length; i++) {
    if (s.startsWith(DELIM, i)) {
      const close = s.indexOf(DELIM, i + DELIM.length);
      if (close === -1) return undefined;
      i = close + DELIM.length - 1;
      continue;
    }
    if (s[i] === '"') {
      const end = gemma4JSONQuotedStringEnd(s, i);
      if (end !== -1) {
        i = end - 1;
        continue;
      }
    }
    if (s[i] !== '{' && s[i] !== ',') continue;
    const keyStart = gemma4SkipSpace(s, i + 1);
    if (!s.startsWith(key, keyStart)) continue;
    const colon = gemma4SkipSpace(s, keyStart + key.length);
    if (colon < s.length && s[colon] === ':') return colon + 1;
  }
  return undefined;
}

// A raw value runs to the next `,key:` naming one of the tool's parameters, else to a final `}` or the end.
function gemma4RawStringValueEnd(s: string, start: number, props: Obj): number {
  for (let i = start; i < s.length; i++) {
    if (s[i] !== ',') continue;
    const keyStart = gemma4SkipSpace(s, i + 1);
    const keyEnd = gemma4BareKeyEnd(s, keyStart);
    if (keyEnd === keyStart) continue;
    const colon = gemma4SkipSpace(s, keyEnd);
    if (colon < s.length && s[colon] === ':' && Object.hasOwn(props, s.slice(keyStart, keyEnd))) return i;
  }
  const end = gemma4TrimRightSpaceIndex(s);
  return end > start && s[end - 1] === '}' ? end - 1 : s.length;
}

function gemma4ValueStartsStructured(s: string, pos: number): boolean {
  if (pos >= s.length) return false;
  if (s.startsWith(DELIM, pos)) return true;
  return `'"{[`.includes(s[pos]!) || /^[-0-9tfn]$/.test(s[pos]!);
}

function gemma4JSONQuotedStringEnd(s: string, start: number): number {
  let escaped = false;
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '"' && !escaped) return i + 1;
    escaped = s[i] === '\\' && !escaped;
  }
  return -1;
}

function gemma4SkipSpace(s: string, i: number): number {
  while (i < s.length) {
    const c = charAt(s, i);
    if (!isSpace(c)) return i;
    i += c.length;
  }
  return i;
}

function gemma4TrimRightSpaceIndex(s: string): number {
  let i = s.length;
  while (i > 0 && isSpace(s[i - 1]!)) i--;
  return i;
}

function gemma4PropertyAcceptsString(prop: unknown): boolean {
  if (!isObj(prop)) return false;
  const types = typeof prop.type === 'string' ? [prop.type] : Array.isArray(prop.type) ? prop.type : [];
  if (types.some((t) => typeof t === 'string' && t.toLowerCase() === 'string')) return true;
  return Array.isArray(prop.anyOf) && prop.anyOf.some(gemma4PropertyAcceptsString);
}
