// Validation of rendered objects against the Kubernetes API schemas, offline, from npm packages:
// - kubernetes-models: the API's OpenAPI schemas (Kubernetes 1.27: the newest release of the package that runs
//   on Node 20) compiled to JSON-schema validators: types, required fields, enums, formats. Custom resources from
//   the same project's packages of published CRDs: @kubernetes-models/traefik, gateway-api (Gateway API v1.0.0),
//   keda (KEDA v2.10.1) and prometheus-operator (v0.65.1).
// - The Gateway API Inference Extension's InferencePool has no such package: its published CRD is kept in
//   crds/ (the file says which release) and its openAPIV3Schema is compiled with ajv, unknown fields refused
//   as the API server refuses them (kubectl's strict field validation). CEL rules (x-kubernetes-validations)
//   are not evaluated.
// - Those schemas let unknown fields through, which the API server rejects (kubectl validates strictly by default)
//   and which hide typos (`runtimeClassname` would simply be ignored). TypeScript's excess-property check against
//   the same package's types finds them.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import type { K8sObject } from './render.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** npm packages of CRD models, by API group. */
const CRD_PACKAGES: Record<string, string> = {
  'traefik.io': '@kubernetes-models/traefik',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

/** Published CRDs kept in crds/, by API group, for the groups no npm package carries. */
const CRD_FILES: Record<string, string> = {
  'inference.networking.k8s.io': 'inference.networking.k8s.io_inferencepools.yaml',
};

/** The module holding the model of an apiVersion (its kinds are named exports, one file each). */
function modelModule(apiVersion: string): string {
  const pkg = CRD_PACKAGES[apiVersion.split('/')[0]!];
  return pkg ? `${pkg}/${apiVersion}` : `kubernetes-models/${apiVersion}`;
}

const label = (o: K8sObject) => `${o.kind} ${o.metadata?.name}`;

// biome-ignore lint/suspicious/noExplicitAny: a CRD's openAPIV3Schema, walked as plain JSON
type Schema = Record<string, any>;

/**
 * A structural schema as the API server applies it: an object with declared properties takes no others (unless
 * x-kubernetes-preserve-unknown-fields), and metadata is the API's ObjectMeta, checked for its name only.
 */
function strict(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties')
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = strict(v);
    else out[k] = v;
  }
  if (
    schema.properties &&
    !schema['x-kubernetes-preserve-unknown-fields'] &&
    schema.additionalProperties === undefined
  )
    out.additionalProperties = false;
  return out;
}

const crdValidators = new Map<string, ValidateFunction>();

/** The validator of a kind in one of crds/' files, or undefined when no kept CRD defines it. */
function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const [group, version] = apiVersion.split('/');
  const file = CRD_FILES[group!];
  if (!file) return undefined;
  const key = `${apiVersion} ${kind}`;
  if (!crdValidators.has(key)) {
    const crd = parseYaml(readFileSync(path.join(import.meta.dirname, 'crds', file), 'utf8'));
    if (crd.spec.names.kind !== kind) return undefined;
    const served = crd.spec.versions.find((v: Schema) => v.name === version && v.served);
    if (!served) return undefined;
    const schema = strict(served.schema.openAPIV3Schema);
    schema.properties.metadata = {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 } },
    };
    // x-kubernetes-* keywords are the API server's, not JSON Schema's: strict off lets ajv skip them.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    crdValidators.set(key, ajv.compile(schema));
  }
  return crdValidators.get(key);
}

/** Whether an object's kind is checked against a kept CRD (those have no TypeScript types to check). */
export const hasKeptCrd = (o: K8sObject) => crdValidator(o.apiVersion, o.kind) !== undefined;

/** Schema violations of one object, as kubernetes-models' validators (or ajv, for a kept CRD) word them. */
export async function schemaErrors(obj: K8sObject): Promise<string[]> {
  const validate = crdValidator(obj.apiVersion, obj.kind);
  if (validate) {
    // metadata as the API server has it: labels and annotations are ObjectMeta's, checked by the other objects.
    const { labels: _l, annotations: _a, ...metadata } = obj.metadata;
    if (validate({ ...obj, metadata })) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${label(obj)}: ${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${e.params.additionalProperty})` : ''}`,
    );
  }
  const mod = (await import(modelModule(obj.apiVersion)).catch(() => ({}))) as Record<string, unknown>;
  const Model = mod[obj.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) return [`${label(obj)}: no schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(structuredClone(obj)).validate();
    return [];
  } catch (e) {
    return [`${label(obj)}: ${(e as Error).message}`];
  }
}

/** Fields the API does not know, in any of the objects, by TypeScript's excess-property check. */
export async function unknownFields(objects: { where: string; obj: K8sObject }[]): Promise<string[]> {
  const dir = path.join(ROOT, 'node_modules/.cache/ownchat-manifests');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `check-${process.pid}.ts`);
  const lines: string[] = [];
  const starts: { line: number; what: string }[] = [];
  objects.forEach(({ obj }, i) => {
    lines.push(`import type { I${obj.kind} as T${i} } from '${modelModule(obj.apiVersion)}/${obj.kind}';`);
  });
  objects.forEach(({ where, obj }, i) => {
    starts.push({ line: lines.length, what: `${where}: ${label(obj)}` });
    lines.push(...`export const o${i}: T${i} = ${JSON.stringify(obj, null, 2)};`.split('\n'));
  });
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  try {
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
    });
    const source = program.getSourceFile(file)!;
    return ts.getPreEmitDiagnostics(program, source).map((d) => {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      const owner = starts.findLast((s) => s.line <= line);
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      return `${owner?.what ?? 'imports'}: ${text.replace(/'I{2}o[A-Za-z0-9]*'/g, 'the API type')}`;
    });
  } finally {
    await fs.rm(file, { force: true });
  }
}
