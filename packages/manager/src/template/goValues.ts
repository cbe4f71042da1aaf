// The values Ollama's templates see, in the shapes of its Go structs (template/template.go: templateTool,
// templateMessage, templateToolCall; api.ToolProperty), so a template prints them byte for byte as Ollama does:
// a tool prints as the JSON of its Go struct (field order, "description" always there, "properties": null when
// absent, unknown keys dropped), call arguments and a tool's properties as JSON with sorted keys (Go maps), a
// property's type as "string" (or "[string null]"), and `{{ .Function }}` as Go's %v of the struct. Every
// message has every field ("" when unset), as a Go struct does.

import { randomUUID } from 'node:crypto';

/** How a value prints with {{ }} when it is not plain data: Go's String() method or its %v. */
export const GO_PRINT: unique symbol = Symbol('goPrint');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function attach<T extends object>(target: T, json: () => unknown, print: () => string): T {
  Object.defineProperty(target, 'toJSON', { value: json, enumerable: false });
  Object.defineProperty(target, GO_PRINT, { value: print, enumerable: false });
  return target;
}

/**
 * JSON as Go's encoding/json writes it: <, > and & escaped for HTML, and the two JavaScript line separators;
 * a float64 -0 stays "-0" (JSON.stringify writes 0). Node 20 has no JSON.rawJSON, so a -0 goes through as a
 * string no request can hold (a random marker), put back as the number afterwards.
 */
export function goJson(v: unknown): string {
  let negativeZero: string | undefined;
  const json =
    JSON.stringify(v ?? null, (_key, value) => {
      if (!Object.is(value, -0)) return value;
      negativeZero ??= `-0 ${randomUUID()}`;
      return negativeZero;
    }) ?? 'null';
  const escaped = json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return negativeZero === undefined ? escaped : escaped.replaceAll(`"${negativeZero}"`, '-0');
}

/** A value decoded into Go's `any` and encoded again: objects become maps, whose keys Go sorts. */
export function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) out[k] = sortedDeep(v[k]);
    return out;
  }
  return v;
}

/**
 * Go's %v of a float64 (every JSON number a template sees is one): the shortest form, in exponent form when
 * the exponent is below -4 or 6 and up, as strconv's 'g' writes it (1e+06, 1.5e-05).
 */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

// Go's %v of a value inside a struct: strings raw, nil as <nil>, slices as [a b], maps as map[k:v].
export function goV(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'object' && GO_PRINT in v) return (v as { [GO_PRINT]: () => string })[GO_PRINT]();
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isObj(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goV(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

/** api.PropertyType: a list of JSON types that marshals as a string when there is one. */
function propertyType(v: unknown): string[] {
  const types = typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : [];
  return attach(
    types,
    () => (types.length === 1 ? types[0] : [...types]),
    () => (types.length === 0 ? '' : types.length === 1 ? types[0]! : `[${types.join(' ')}]`),
  );
}

export type TemplateProperty = {
  AnyOf: TemplateProperty[];
  Type: string[];
  Items: unknown;
  Description: string;
  Enum: unknown[];
  Properties: Obj | undefined;
  Required: string[];
};

/** api.ToolProperty, with its JSON in the struct's field order and only the fields it has. */
function toolProperty(raw: unknown): TemplateProperty {
  const p = isObj(raw) ? raw : {};
  const anyOf = Array.isArray(p.anyOf) ? p.anyOf.map(toolProperty) : [];
  const items = p.items === undefined || p.items === null ? undefined : sortedDeep(p.items);
  const enumValues = Array.isArray(p.enum) ? p.enum.map(sortedDeep) : [];
  // Nested properties keep their order (api.ToolPropertiesMap is ordered).
  const nested = isObj(p.properties) ? orderedProperties(p.properties) : undefined;
  const required = Array.isArray(p.required) ? p.required.map(String) : [];
  const prop: TemplateProperty = {
    AnyOf: anyOf,
    Type: propertyType(p.type),
    Items: items,
    Description: typeof p.description === 'string' ? p.description : '',
    Enum: enumValues,
    Properties: nested,
    Required: required,
  };
  return attach(
    prop,
    () => ({
      ...(anyOf.length ? { anyOf } : {}),
      ...(prop.Type.length ? { type: prop.Type } : {}),
      ...(items !== undefined ? { items } : {}),
      ...(prop.Description ? { description: prop.Description } : {}),
      ...(enumValues.length ? { enum: enumValues } : {}),
      ...(nested ? { properties: nested } : {}),
      ...(required.length ? { required } : {}),
    }),
    () => goJson(prop),
  );
}

function orderedProperties(raw: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(raw)) out[k] = toolProperty(v);
  return out;
}

/**
 * An api.ToolFunctionParameters as Go code (a built-in renderer) marshals it: the struct's fields in order, the
 * properties in the request's order (api.ToolPropertiesMap is ordered), "properties": null when absent.
 */
export function apiToolParameters(raw: unknown): Obj {
  const p = isObj(raw) ? raw : {};
  const present = (v: unknown) => v !== undefined && v !== null;
  return {
    type: typeof p.type === 'string' ? p.type : '',
    ...(present(p.$defs) ? { $defs: sortedDeep(p.$defs) } : {}),
    ...(present(p.items) ? { items: sortedDeep(p.items) } : {}),
    ...(Array.isArray(p.required) && p.required.length ? { required: p.required.map(String) } : {}),
    properties: isObj(p.properties) ? orderedProperties(p.properties) : null,
  };
}

/**
 * An api.ToolCallFunctionArguments as Go code marshals it: an ordered map of the call's keys, whose nested
 * objects were decoded into Go maps (sorted keys).
 */
export function apiCallArguments(raw: unknown): Obj {
  const out: Obj = {};
  if (isObj(raw)) for (const [k, v] of Object.entries(raw)) out[k] = sortedDeep(v);
  return out;
}

/** template.templateProperties: a Go map (sorted) that prints as JSON; absent ones print "{}", marshal null. */
function templateProperties(raw: unknown): Obj {
  const present = isObj(raw);
  const out: Obj = {};
  if (present) for (const k of Object.keys(raw).sort()) out[k] = toolProperty(raw[k]);
  return attach(
    out,
    () => (present ? { ...out } : null),
    () => goJson({ ...out }),
  );
}

export type TemplateTool = {
  Type: string;
  Items: unknown;
  Function: {
    Name: string;
    Description: string;
    Parameters: { Type: string; Defs: unknown; Items: unknown; Required: string[]; Properties: Obj };
  };
};

/** template.templateTool for each request tool; the list prints as JSON, and `null` when there are none. */
export function templateTools(tools: unknown[] | undefined): TemplateTool[] {
  const list = (tools ?? []).map(templateTool);
  return attach(
    list,
    () => (tools ? [...list] : null),
    () => goJson(tools ? list : null),
  );
}

function templateTool(raw: unknown): TemplateTool {
  const t = isObj(raw) ? raw : {};
  const f = isObj(t.function) ? t.function : {};
  const p = isObj(f.parameters) ? f.parameters : {};
  const opt = (v: unknown) => (v === undefined || v === null ? undefined : sortedDeep(v));
  const params = {
    Type: typeof p.type === 'string' ? p.type : '',
    Defs: opt(p.$defs),
    Items: opt(p.items),
    Required: Array.isArray(p.required) ? p.required.map(String) : [],
    Properties: templateProperties(p.properties),
  };
  attach(
    params,
    () => ({
      type: params.Type,
      ...(params.Defs !== undefined ? { $defs: params.Defs } : {}),
      ...(params.Items !== undefined ? { items: params.Items } : {}),
      ...(params.Required.length ? { required: params.Required } : {}),
      properties: params.Properties,
    }),
    () =>
      `{${params.Type} ${goV(params.Defs)} ${goV(params.Items)} ${goV(params.Required)} ${goV(params.Properties)}}`,
  );
  const fn = {
    Name: typeof f.name === 'string' ? f.name : '',
    Description: typeof f.description === 'string' ? f.description : '',
    Parameters: params,
  };
  attach(
    fn,
    () => ({ name: fn.Name, description: fn.Description, parameters: fn.Parameters }),
    () => `{${fn.Name} ${fn.Description} ${goV(fn.Parameters)}}`,
  );
  const tool: TemplateTool = {
    Type: typeof t.type === 'string' ? t.type : '',
    Items: opt(t.items),
    Function: fn,
  };
  return attach(
    tool,
    () => ({ type: tool.Type, ...(tool.Items !== undefined ? { items: tool.Items } : {}), function: fn }),
    () => goJson(tool),
  );
}

/** template.templateArgs: a Go map (sorted) that prints as JSON ("{}" when absent). */
function templateArgs(raw: unknown): Obj {
  const sorted = isObj(raw) ? (sortedDeep(raw) as Obj) : {};
  return attach(
    sorted,
    () => (isObj(raw) ? { ...sorted } : null),
    // A copy without the toJSON above: absent arguments print "{}" (templateArgs.String), though they marshal null.
    () => goJson({ ...sorted }),
  );
}

export type TemplateMessage = {
  Role: string;
  Content: string;
  Thinking: string;
  Images: unknown[];
  ToolCalls: { ID: string; Function: { Index: number; Name: string; Arguments: Obj } }[];
  ToolName: string;
  ToolCallID: string;
};

// template.templateToolCallFunction: a struct without a String method, so {{ .Function }} prints Go's %v.
function callFunction(index: number, name: string, args: Obj) {
  const fn = { Index: index, Name: name, Arguments: args };
  return attach(
    fn,
    () => ({ Index: index, Name: name, Arguments: args }),
    () => `{${index} ${name} ${goV(args)}}`,
  );
}

/** template.templateMessage from a wire message (snake_case fields). */
export function templateMessage(raw: Obj): TemplateMessage {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const calls = Array.isArray(raw.tool_calls) ? raw.tool_calls : [];
  return {
    Role: str(raw.role),
    Content: str(raw.content),
    Thinking: str(raw.thinking),
    Images: Array.isArray(raw.images) ? raw.images : [],
    ToolCalls: calls.map((c: unknown) => {
      const call = isObj(c) ? c : {};
      const f = isObj(call.function) ? call.function : {};
      return {
        ID: str(call.id),
        Function: callFunction(
          typeof f.index === 'number' ? f.index || 0 : 0, // an int in Go: never -0
          str(f.name),
          templateArgs(f.arguments),
        ),
      };
    }),
    ToolName: str(raw.tool_name),
    ToolCallID: str(raw.tool_call_id),
  };
}

// api.ToolProperty.ToTypeScriptType, for harmony (gpt-oss) templates.
const TS_TYPES: Record<string, string> = {
  string: 'string',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  array: 'any[]',
  object: 'Record<string, any>',
  null: 'null',
};

export function toTypeScriptType(v: unknown): string {
  if (!isObj(v) || !('Type' in v)) return 'any';
  const p = v as unknown as TemplateProperty;
  if (p.AnyOf.length > 0) return p.AnyOf.map(toTypeScriptType).join(' | ');
  if (p.Type.length === 0) return 'any';
  return p.Type.map((t) => TS_TYPES[t] ?? 'any').join(' | ');
}
