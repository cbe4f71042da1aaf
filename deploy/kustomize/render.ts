// Renders a kustomization the way `kubectl apply -k` does, with kubectl's own kustomize, into plain objects.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

export const KUSTOMIZE_DIR = path.join(ROOT, 'deploy/kustomize');

/** A Kubernetes object as rendered: the fields the tests read are checked where they are used. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML; the schema test checks its shape.
  [key: string]: any;
};

/** The pinned kubectl that scripts/install-kubectl.sh installs, or the one KUBECTL names. */
export function kubectlPath(): string {
  return process.env.KUBECTL || path.join(ROOT, '.cache/tools/kubectl');
}

export async function kustomizeVersion(): Promise<string> {
  const { stdout } = await execFileAsync(kubectlPath(), ['version', '--client']);
  return /Kustomize Version: (v\S+)/.exec(stdout)?.[1] ?? 'none';
}

/** `kubectl kustomize <dir>`, parsed; a kustomize error fails with kustomize's own message. */
export async function render(dir: string): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(kubectlPath(), ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`kubectl kustomize ${path.relative(ROOT, dir)} failed: ${err.stderr || err.message}`);
  }
  return parseAllDocuments(stdout).map((d) => {
    if (d.errors.length) throw new Error(`kustomize wrote invalid YAML: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  });
}
