// A registry's 401 says how to authenticate in its WWW-Authenticate header (RFC 7235), e.g.
//   Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:ns/m:pull"
// The scheme and its parameters are all we need: the realm hands out tokens for that service and scope.

export type Challenge = { scheme: string; params: Record<string, string> };

/** Parses the first challenge of a WWW-Authenticate header; undefined when there is none. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header ?? '');
  if (!m) return undefined;
  const params: Record<string, string> = {};
  // name=token or name="quoted \"string\"", separated by commas (commas inside quotes belong to the value).
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  const rest = m[2]!;
  let p: RegExpExecArray | null = re.exec(rest);
  while (p) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
    if (re.lastIndex >= rest.length) break;
    p = re.exec(rest);
  }
  return { scheme: m[1]!.toLowerCase(), params };
}
