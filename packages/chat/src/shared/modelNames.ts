// Model names as Ollama matches them, for the server and the page alike: "qwen2.5", "qwen2.5:latest" and
// "registry.ollama.ai/library/qwen2.5:latest" are one model, and a name pulled as http://host:5000/team/m is listed
// as host:5000/team/m:latest.

/** The form two names of one model share: no scheme, no default registry or namespace, a tag, lower case. */
export function modelKey(name: string): string {
  let n = name
    .trim()
    .replace(/^https?:\/\//i, '')
    .toLowerCase();
  if (!/:[^/]+$/.test(n)) n += ':latest';
  return n.replace(/^registry\.ollama\.ai\//, '').replace(/^library\//, '');
}

export function sameModel(a: string, b: string): boolean {
  return modelKey(a) === modelKey(b);
}

/** A name short enough for a placeholder: "127.0.0.1:5000/team/m:latest" is "m:latest". */
export function shortModelName(name: string): string {
  return (
    name
      .trim()
      .replace(/^https?:\/\//i, '')
      .split('/')
      .at(-1) ?? name
  );
}
