// Request bodies generated from a route's JSON Schema (the subset Fastify schemas and ours use: object, string,
// integer, number, boolean, array, enum, const, anyOf/oneOf), as a careless or hostile client sends them: mostly
// shaped as the schema says, so the request reaches the code behind the edge, with hostile values put in at any
// depth (the wrong type, null, numbers at the edges of what JSON and int64 hold, huge and odd strings, unknown
// fields, missing required ones).
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly unknown[];
  const?: unknown;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
};

export type SchemaArbitraryOptions = {
  /** Generators for named fields, wherever they appear (e.g. `model`: names that exist and names that do not). */
  fields?: Record<string, fc.Arbitrary<unknown>>;
  /** Odds (0–1) that any one value is replaced by a hostile one. */
  hostileRate?: number;
};

/** Strings that have broken servers: empty, control characters, paths, templates, markup, lone surrogates, huge. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\n\r\t',
  '../../../../etc/passwd',
  '%2e%2e%2f',
  'C:\\Windows\\win.ini',
  '{{',
  '}}',
  '{{ .Prompt }}',
  '{{ range .Messages }}{{ .Content }}{{ end }}',
  '{{ template "x" }}',
  '<script>alert(1)</script>',
  '<div>',
  '"; DROP TABLE messages; --',
  "' OR 1=1 --",
  '\ud800',
  '\u202e',
  '🦙🦙🦙',
  'sha256:0000000000000000000000000000000000000000000000000000000000000000',
  'sha256:',
  'a:b:c',
  '/',
  'http://127.0.0.1:9/x',
  '-1',
  'NaN',
  'null',
  'true',
  '1e309',
  'x'.repeat(1000),
  'y'.repeat(70_000),
];

/** Numbers at the edges: of JSON's doubles, of int64 and int32, of safe integers, negative zero, fractions. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** Any JSON value that is not what the schema asked for, or something like it at an edge. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(...HOSTILE_NUMBERS),
  hostileString,
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.constantFrom(...HOSTILE_NUMBERS), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
  // Deep nesting: recursive validators and template walkers meet it first.
  fc.constantFrom(deep([], 2000), deep({}, 2000)),
);

function deep(leaf: unknown[] | object, depth: number): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = Array.isArray(leaf) ? [v] : { a: v };
  return v;
}

const typesOf = (s: JsonSchema): string[] =>
  s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];

/** A generator of values for `schema`, with hostile values mixed in at `hostileRate`. */
export function schemaArbitrary(
  schema: JsonSchema | undefined,
  opts: SchemaArbitraryOptions = {},
  field?: string,
): fc.Arbitrary<unknown> {
  const rate = opts.hostileRate ?? 0.1;
  const shaped = shapedArbitrary(schema ?? {}, opts, field);
  if (rate <= 0) return shaped;
  const hostileWeight = Math.max(1, Math.round(rate * 100));
  return fc.oneof(
    { weight: 100 - hostileWeight, arbitrary: shaped },
    { weight: hostileWeight, arbitrary: hostileValue },
  );
}

function shapedArbitrary(
  schema: JsonSchema,
  opts: SchemaArbitraryOptions,
  field?: string,
): fc.Arbitrary<unknown> {
  if (field && opts.fields?.[field]) return opts.fields[field]!;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => shapedArbitrary(s, opts, field)));
  const types = typesOf(schema);
  if (types.length > 1)
    return fc.oneof(...types.map((type) => shapedArbitrary({ ...schema, type }, opts, field)));
  switch (types[0]) {
    case 'object':
      return objectArbitrary(schema, opts);
    case 'array':
      return fc.array(schemaArbitrary(schema.items, opts), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'string':
      return fc.oneof(
        { weight: 4, arbitrary: fc.string({ minLength: schema.minLength ?? 0, maxLength: 30 }) },
        { weight: 1, arbitrary: hostileString },
        ...(schema.maxLength !== undefined
          ? [
              {
                weight: 1,
                arbitrary: fc.constantFrom('s'.repeat(schema.maxLength), 's'.repeat(schema.maxLength + 1)),
              },
            ]
          : []),
      );
    case 'integer':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 }),
        },
        { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS.filter(Number.isInteger)) },
      );
    case 'number':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.double({
            min: schema.minimum ?? -1e6,
            max: schema.maximum ?? 1e6,
            noNaN: true,
            noDefaultInfinity: true,
          }),
        },
        { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
      );
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(schema: JsonSchema, opts: SchemaArbitraryOptions): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(props)) shape[name] = schemaArbitrary(sub, opts, name);
  const names = Object.keys(shape);
  const record = fc.record(shape, {
    // Required fields are there most of the time; a missing one is a mistake the server must name.
    requiredKeys: names.filter((n) => required.has(n)),
  });
  const withOptional = fc.record(shape, { requiredKeys: [] });
  // The required fields and a few others: a request close to what clients send gets past the first checks and
  // reaches the code behind them, where one odd field at a time finds more than many at once.
  const optional = names.filter((n) => !required.has(n));
  const sparse = fc
    .subarray(optional, { maxLength: Math.min(3, optional.length) })
    .chain((picked) =>
      fc.record(
        Object.fromEntries([...required, ...picked].filter((n) => shape[n]).map((n) => [n, shape[n]!])),
      ),
    );
  const unknownFields = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), hostileValue, {
    maxKeys: 2,
  });
  return fc.oneof(
    { weight: 8, arbitrary: sparse },
    { weight: 3, arbitrary: record },
    { weight: 1, arbitrary: withOptional },
    {
      weight: 1,
      arbitrary: fc.tuple(sparse, unknownFields).map(([r, extra]) => ({ ...extra, ...(r as object) })),
    },
  );
}
