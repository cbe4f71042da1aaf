// The llm-manager's fuzz run, shared by the test (a few hundred requests, seconds) and `npm run bench fuzz` (many
// more): a real `ownchat serve` on loopback with a real deterministic test model, requests generated from
// requestSchemas.ts for every route the server registers, and afterwards a real chat that must still give the
// model's exact sentence.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type FuzzRequest,
  type FuzzTotals,
  importModel,
  type ManagerProcess,
  runFuzz,
  schemaArbitrary,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import fc from 'fast-check';
import { readConfig } from '../config/config.ts';
import { routesOf } from '../http/app.ts';
import { startManager } from '../serve.ts';
import { MANAGER_REQUEST_SCHEMAS } from './requestSchemas.ts';

/**
 * Request classes the fuzz must not generate because one request would crash the llm-manager or pin it for
 * minutes, costing the rest of the run. Empty since issue 19's hardening (the huge-range template and the GGUF
 * whose counts exceed the file are generated again): a class found later goes here until its fix lands.
 */
export const MANAGER_KNOWN_DESTRUCTIVE = new Set<string>([]);

/**
 * Failures the fuzz knows of and counts apart instead of failing on, each named by its class. Empty since issue
 * 19's hardening; a class found later goes here (with a test of the one request that shows it) until it is fixed.
 */
export const MANAGER_KNOWN_FAILURES: {
  name: string;
  matches: (route: string, status: number | undefined, excerpt: string) => boolean;
}[] = [];

/** The model the fuzz may delete, overwrite and copy; `det` is kept for the chat afterwards and never named. */
const FUZZ_MODEL = 'fuzz';
const KEEP_MODEL = 'det';

export type ManagerFuzzResult = {
  totals: FuzzTotals;
  /** What the real chat after the run answered (the deterministic sentence when the server is well). */
  chatAfter: string;
  routes: string[];
  unschemed: string[];
};

/** Every route the llm-manager registers, read from Fastify (an in-process server, started and closed). */
export async function managerRoutes(): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-fuzz-routes-'));
  const m = await startManager(
    readConfig({ OLLAMA_HOST: '127.0.0.1:0', OLLAMA_MODELS: dir, OWNCHAT_LOG_LEVEL: 'silent' }),
  );
  try {
    return [...new Set(routesOf(m.app).map((r) => `${r.method} ${r.url}`))].filter(
      (r) => !r.startsWith('OPTIONS'),
    );
  } finally {
    await m.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A GGUF header (magic, version 3) whose tensor and metadata counts claim far more than the 24 bytes hold. */
function lyingGguf(): Uint8Array {
  const b = Buffer.alloc(24);
  b.write('GGUF', 0, 'latin1');
  b.writeUInt32LE(3, 4);
  b.writeBigUInt64LE(0xffffffffn, 8);
  b.writeBigUInt64LE(0xffffffffn, 16);
  return b;
}

function requests(opts: {
  routes: string[];
  count: number;
  seed: number;
  detDigest: string;
  detHead: Uint8Array;
}): FuzzRequest[] {
  const destructive = (name: string) => !MANAGER_KNOWN_DESTRUCTIVE.has(name);
  const modelNames = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(FUZZ_MODEL, `${FUZZ_MODEL}:latest`, 'copy-of-fuzz') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'nosuch',
        'nosuch:tag',
        '127.0.0.1:9/ns/model:tag',
        'hf.co/user/repo:Q4_K_M',
        'registry.ollama.ai/library/x:y',
        'a/b/c/d/e',
        ':',
        'UPPER:Case',
        '../escape',
        'x'.repeat(400),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).filter((s) => s.trim() !== KEEP_MODEL) },
  );
  const blobBodies: fc.Arbitrary<Uint8Array>[] = [
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(opts.detHead),
    fc.constant(new TextEncoder().encode('GGUF')),
  ];
  if (destructive('gguf-counts-beyond-file')) blobBodies.push(fc.constant(lyingGguf()));
  const digests = fc.oneof(
    fc.constant(opts.detDigest),
    fc.stringMatching(/^sha256:[0-9a-f]{64}$/),
    fc.constantFrom('sha256:xyz', 'sha256-abc', 'md5:00', '', 'sha256:../../x', `${opts.detDigest}0`),
  );
  const templates: string[] = [
    '{{ .Prompt }}',
    '{{ if .System }}{{ .System }}{{ end }}{{ .Prompt }}',
    '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n',
    '{{ range $i, $m := .Messages }}{{ $i }}{{ end }}',
    '{{ .Nope }}',
    '{{ template "a" }}',
    '{{ define "a" }}{{ template "a" }}{{ end }}{{ template "a" }}',
    '{{ if }}',
    '{{ json .Messages }}',
    '{{ slice .Prompt 5 1 }}',
    '{{ index .Messages 99 }}',
    '{{ printf "%0999999d" 1 }}',
    `${'{{ if true }}'.repeat(200)}x${'{{ end }}'.repeat(200)}`,
  ];
  if (destructive('template-range-huge')) templates.push('{{ range 100000000000 }}x{{ end }}');
  const fields = {
    model: modelNames,
    name: modelNames,
    source: modelNames,
    destination: modelNames,
    from: fc.oneof(modelNames, fc.constant(opts.detDigest)),
    template: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...templates) },
      { weight: 1, arbitrary: fc.string() },
    ),
    'model.gguf': digests,
    'other.gguf': digests,
    'adapter.gguf': digests,
  };
  // A body that is not what a JSON object should be, whatever the route wants.
  const rawBodies = fc.oneof(
    fc.constantFrom(
      '{',
      '[]',
      '"x"',
      '1',
      'null',
      '{"model":',
      '{"model":"fuzz"}}',
      '\u0000',
      'model=fuzz',
      ' ',
    ),
    fc.string({ unit: 'binary', maxLength: 50 }),
  );
  const perRoute = opts.routes.map((route) => {
    const [method, pattern] = route.split(' ') as [string, string];
    const schema = MANAGER_REQUEST_SCHEMAS[route];
    const pathArb =
      pattern === '/api/blobs/:digest'
        ? digests.map((d) => `/api/blobs/${encodeURIComponent(d)}`)
        : pattern === '/v1/models/*'
          ? fc
              .oneof(modelNames, fc.constantFrom('a%2Fb', '%00', '..%2F..%2Fetc'))
              .map((m) => `/v1/models/${m.includes('%') ? m : encodeURIComponent(m)}`)
          : fc.oneof(
              { weight: 9, arbitrary: fc.constant(pattern) },
              { weight: 1, arbitrary: fc.constant(`${pattern}?x=%ff&x=1`) },
            );
    const bodyArb: fc.Arbitrary<string | Uint8Array | undefined> =
      method === 'GET' || method === 'HEAD'
        ? fc.constant(undefined)
        : pattern === '/api/blobs/:digest'
          ? fc.oneof(...blobBodies)
          : schema
            ? fc.oneof(
                {
                  weight: 9,
                  arbitrary: schemaArbitrary(schema, { fields, hostileRate: 0.04 }).map((b) =>
                    JSON.stringify(b),
                  ),
                },
                { weight: 1, arbitrary: rawBodies },
              )
            : fc.option(rawBodies, { nil: undefined });
    return fc
      .record({ path: pathArb, body: bodyArb, ownDigest: fc.boolean() })
      .map(({ path: p, body, ownDigest }): FuzzRequest => {
        // Half the uploads name their body's own digest, so they are stored and a later create can name them.
        if (pattern === '/api/blobs/:digest' && body instanceof Uint8Array && ownDigest)
          return { route, method, path: `/api/blobs/${encodeURIComponent(sha(body))}`, body };
        return { route, method, path: p, ...(body !== undefined && { body }) };
      });
  });
  return fc.sample(fc.oneof(...perRoute), { numRuns: opts.count, seed: opts.seed });
}

/** 5xx answers Ollama's API documents: busy or draining (503), a full disk (507), a failed pull (500). */
function documented5xx(req: FuzzRequest, status: number): boolean {
  if (status === 503 || status === 507) return true;
  return status === 500 && req.route === 'POST /api/pull';
}

export async function fuzzManager(opts: {
  count: number;
  seed?: number;
  timeoutMs?: number;
  budgetMs?: number;
  /** Keep going after a crash (a fresh server on the same store), to count every crash (the benchmark). */
  restartAfterCrash?: boolean;
  log?: (line: string) => void;
}): Promise<ManagerFuzzResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-fuzz-manager-'));
  const env = {
    // Pulls reach only a closed loopback port: the pull code runs, nothing leaves the machine.
    OWNCHAT_PULL_ALLOW: '127.0.0.1:9/*',
    OWNCHAT_PULL_STALL_TIMEOUT: '2s',
    OLLAMA_KEEP_ALIVE: '30s',
  };
  let server: ManagerProcess | undefined;
  try {
    const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
    const detBytes = await fs.readFile(det.path);
    const routes = await managerRoutes();
    const unschemed = routes.filter((r) => !(r in MANAGER_REQUEST_SCHEMAS));
    server = await startManagerProcess({ modelsDir: path.join(dir, 'models'), env });
    await importModel(server.url, KEEP_MODEL, det.path);
    await importModel(server.url, FUZZ_MODEL, det.path);
    const list = requests({
      routes: routes.filter((r) => r in MANAGER_REQUEST_SCHEMAS),
      count: opts.count,
      seed: opts.seed ?? 19,
      detDigest: sha(detBytes),
      detHead: detBytes.subarray(0, 256),
    });
    let current = server;
    const totals = await runFuzz({
      base: () => current.url,
      requests: list,
      timeoutMs: opts.timeoutMs ?? 20_000,
      budgetMs: opts.budgetMs,
      documented5xx,
      alive: () => current.child.exitCode === null && current.child.signalCode === null,
      restart: opts.restartAfterCrash
        ? async () => {
            opts.log?.(`llm-manager died:\n${current.output().slice(-2000)}`);
            await current.stop('SIGKILL');
            current = await startManagerProcess({ modelsDir: path.join(dir, 'models'), env });
            server = current;
          }
        : undefined,
      // A delete or a create may have taken the fuzz model away or replaced it: put it back, so that the
      // requests after it reach a model rather than a 404.
      after: async (o) => {
        if (!/^(DELETE \/api\/delete|POST \/api\/create|POST \/api\/copy)$/.test(o.request.route)) return;
        if (o.status === undefined || o.status >= 300) return;
        await fetch(`${current.url}/api/copy`, {
          method: 'POST',
          body: JSON.stringify({ source: KEEP_MODEL, destination: FUZZ_MODEL }),
          signal: AbortSignal.timeout(10_000),
        });
      },
      known: (o) => MANAGER_KNOWN_FAILURES.find((k) => k.matches(o.request.route, o.status, o.excerpt))?.name,
    });
    server = current;
    const chatAfter = await realChat(current.url);
    return { totals, chatAfter, routes, unschemed };
  } finally {
    await server?.stop('SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** A real chat with the deterministic model, bounded: its answer, or what went wrong. */
async function realChat(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({
        model: KEEP_MODEL,
        stream: false,
        messages: [{ role: 'user', content: 'Hi!' }],
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { message?: { content?: string }; error?: string };
    return body.message?.content ?? `status ${res.status}: ${body.error}`;
  } catch (e) {
    return `no answer: ${(e as Error).message}`;
  }
}
