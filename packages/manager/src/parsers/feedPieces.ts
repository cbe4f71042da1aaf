// For the parsers' tests: an answer fed to a parser piece by piece (the last piece marked done), and what came out
// of it all, as a client would put the streamed chunks together.
import type { BuiltinParser } from './builtinParser.ts';

export function feedPieces(p: BuiltinParser, pieces: string[]) {
  const out = { content: '', thinking: '', calls: [] as unknown[] };
  pieces.forEach((piece, i) => {
    const r = p.add(piece, i === pieces.length - 1);
    out.content += r.content;
    out.thinking += r.thinking;
    out.calls.push(...r.calls);
  });
  return out;
}
