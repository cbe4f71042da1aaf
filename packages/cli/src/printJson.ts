// --json output: the server's answer as it came, indented, on stdout, so `jq` and scripts read the same fields
// as the Ollama API documents.
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
