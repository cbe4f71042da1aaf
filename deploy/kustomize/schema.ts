// Validation of rendered objects against the Kubernetes API schemas, offline, from npm packages:
// - kubernetes-models: the API's OpenAPI schemas (Kubernetes 1.27: the newest release of the package that runs
//   on Node 20) compiled to JSON-schema validators: types, required fields, enums, formats. Traefik's CRDs come
//   from @kubernetes-models/traefik.
// - Those schemas let unknown fields through, which the API server rejects (kubectl validates strictly by default)
//   and which hide typos (`runtimeClassname` would simply be ignored). TypeScript's excess-property check against
//   the same package's types finds them.
import fs from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './render.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The module holding the model of an apiVersion (its kinds are named exports, one file each). */
function modelModule(apiVersion: string): string {
  if (apiVersion.startsWith('traefik.io/')) return `@kubernetes-models/traefik/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

const label = (o: K8sObject) => `${o.kind} ${o.metadata?.name}`;

/** Schema violations of one object, as kubernetes-models' validators word them. */
export async function schemaErrors(obj: K8sObject): Promise<string[]> {
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
