// Embeddings are answered at unit length, as Ollama answers them (/api/embed and /v1/embeddings).

/** The vector scaled to length 1 (a zero vector stays as it is). */
export function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}
