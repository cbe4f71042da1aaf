// Tool calls in a template-based model's streamed output, parsed as Ollama's tools.Parser does: text passes
// through until the tool-call tag (or a possible start of it at the end of what has arrived) appears; from the
// tag on, the output is held and each complete call (a known tool's name followed by a JSON object holding its
// arguments) is taken out as it completes. With "{" or "[" as the tag (a template without a tag), calls are
// only looked for when the answer starts with one, and the JSON is returned as text once it closes without
// being a call.
import type { ToolCall, ToolDefinition } from './types.ts';

type State = 'looking' | 'calling' | 'done';

export class ToolCallParser {
  readonly tag: string;
  private readonly names: string[];
  private state: State = 'looking';
  private buffer = '';
  private n = 0;

  constructor(tools: ToolDefinition[], tag: string) {
    this.tag = tag;
    this.names = tools.map((t) => t.function?.name ?? '').filter((name) => name !== '');
  }

  /** Takes the next piece of output; returns the calls completed by it and the text to pass on as content. */
  add(s: string): { calls: ToolCall[]; content: string } {
    if (this.state === 'done') return { calls: [], content: s };
    this.buffer += s;
    let content = '';
    const calls: ToolCall[] = [];
    if (this.state === 'looking') {
      const { index, found } = this.findTag();
      if (index === -1) {
        content = this.buffer;
        this.buffer = '';
      } else {
        content = this.buffer.slice(0, index);
        this.buffer = this.buffer.slice(index);
      }
      // With "{" or "[" as the tag, only an answer that starts with JSON is parsed for calls.
      if ((this.tag === '{' || this.tag === '[') && content.trim() !== '') {
        this.state = 'done';
        return { calls: [], content: content + this.buffer };
      }
      if (!found) return { calls: [], content };
      this.state = 'calling';
    }
    for (let call = this.parseCall(); call; call = this.parseCall()) calls.push(call);
    if (this.closed()) {
      this.state = 'done';
      content = this.buffer;
      this.buffer = '';
    }
    return { calls, content };
  }

  /**
   * What is left when the answer ends. Ollama returns the held text only for a "{"/"[" tag and no call; here a
   * call that never completed is returned as text for any tag, so nothing the model wrote is lost. After a
   * parsed call the rest is the calls' closing markup, and is dropped as Ollama drops it.
   */
  flush(): string {
    if (this.n > 0) return '';
    const rest = this.buffer;
    this.buffer = '';
    return rest;
  }

  private findTag(): { index: number; found: boolean } {
    const i = this.buffer.indexOf(this.tag);
    if (i > -1) return { index: i, found: true };
    // A possible start of the tag at the end: hold it back until the next piece decides.
    for (let k = Math.min(this.buffer.length, this.tag.length); k > 0; k--) {
      if (this.buffer.endsWith(this.tag.slice(0, k))) return { index: this.buffer.length - k, found: false };
    }
    return { index: -1, found: false };
  }

  private parseCall(): ToolCall | undefined {
    const tool = findTool(this.names, this.buffer);
    if (!tool) return undefined;
    const args = findArguments(tool.name, this.buffer);
    if (!args) return undefined;
    const end = Math.max(tool.end, args.end);
    const call: ToolCall = { function: { index: this.n, name: tool.name, arguments: args.value } };
    this.n++;
    this.buffer = this.buffer.slice(end);
    return call;
  }

  // For "{" and "[" tags: whether the held JSON has closed (then it is returned as text).
  private closed(): boolean {
    const pair = this.tag === '{' ? '{}' : this.tag === '[' ? '[]' : undefined;
    if (!pair) return false;
    let count = 0;
    let inString = false;
    let escaped = false;
    for (const c of this.buffer) {
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c === '\\') {
        escaped = true;
        continue;
      }
      if (c === '"') {
        inString = !inString;
        continue;
      }
      if (inString) continue;
      if (c === pair[0]) count++;
      else if (c === pair[1]) {
        count--;
        if (count === 0) return true;
      }
    }
    return false;
  }
}

/**
 * The tool whose name appears first in the buffer (the longest one at the same place), or none while the
 * buffer ends with the start of a longer name: "say_hello" must wait to see whether "_world" follows.
 */
export function findTool(names: string[], buf: string): { name: string; end: number } | undefined {
  if (buf.length === 0) return undefined;
  const longest = Math.max(0, ...names.map((n) => n.length));
  for (let i = 1; i <= Math.min(buf.length, longest); i++) {
    const tail = buf.slice(buf.length - i);
    if (names.some((name) => tail.length < name.length && name.startsWith(tail))) return undefined;
  }
  let found: string | undefined;
  let start = -1;
  for (const name of names) {
    const pos = buf.indexOf(name);
    if (pos === -1) continue;
    if (start !== -1 && (pos > start || (pos === start && name.length <= found!.length))) continue;
    found = name;
    start = pos;
  }
  return found === undefined ? undefined : { name: found, end: start + found.length };
}

type Args = Record<string, unknown>;

const isObject = (v: unknown): v is Args => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The first complete JSON object in the buffer that holds the tool's arguments: its "arguments" or
 * "parameters" (an object, or a string of JSON) when it names the call, the value under the tool's name, an
 * object found deeper, or else the object itself. `end` is the index of its closing brace.
 */
export function findArguments(toolName: string, buffer: string): { value: Args; end: number } | undefined {
  let start = -1;
  let braces = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === '\\') {
      escaped = true;
      continue;
    }
    if (c === '"') {
      inString = !inString;
      continue;
    }
    if (inString) continue;
    if (c === '{') {
      if (braces === 0) start = i;
      braces++;
    } else if (c === '}') {
      braces--;
      if (braces === 0 && start !== -1) {
        let data: unknown;
        try {
          data = JSON.parse(buffer.slice(start, i + 1));
        } catch {
          data = undefined;
        }
        if (!isObject(data)) {
          start = -1; // not an object after all: keep looking
          continue;
        }
        const found = findObject(toolName, data);
        if (found.found) return found.args ? { value: found.args, end: i } : undefined;
        return { value: data, end: i };
      }
      if (braces < 0) braces = 0;
    }
  }
  return undefined;
}

function findObject(toolName: string, obj: Args): { found: boolean; args?: Args } {
  const findMap = (name: string): Args | undefined => {
    const v = obj[name];
    if (isObject(v)) return v;
    if (typeof v === 'string') {
      try {
        const parsed: unknown = JSON.parse(v);
        if (isObject(parsed)) return parsed;
      } catch {
        // not JSON: not the arguments
      }
    }
    return undefined;
  };
  if ('name' in obj) {
    const args = findMap('arguments') ?? findMap('parameters');
    return { found: true, args };
  }
  const direct = findMap(toolName);
  if (direct) return { found: true, args: direct };
  for (const v of Object.values(obj)) {
    const children = Array.isArray(v) ? v : [v];
    for (const child of children) {
      if (!isObject(child)) continue;
      const r = findObject(toolName, child);
      if (r.found) return r;
    }
  }
  return { found: false };
}
