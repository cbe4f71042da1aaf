// A token-auth front for a real registry, as Docker Hub, ghcr.io or Ollama's registry stand in front of theirs:
// /v2/ requests without a valid bearer token get 401 with a `WWW-Authenticate: Bearer realm=...` challenge, the
// realm hands out tokens, and authorised requests are forwarded to the registry. With `redirectBlobs`, blob
// requests are redirected to a second server on another port, a "CDN" that, like S3 with a signed URL, refuses
// any request carrying an Authorization header (and records it), then serves the bytes from the registry.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AuthFront = {
  /** http://127.0.0.1:<port>: the registry as clients see it. */
  url: string;
  host: string;
  cdnUrl: string;
  /** Scopes tokens were asked for, in order. */
  tokenRequests: { service: string | null; scope: string | null }[];
  /** /v2/ requests: path, Accept header, and whether they came with a valid token. */
  registryRequests: { path: string; accept?: string; authorized: boolean }[];
  /** Requests the CDN received, with the Authorization header if one was (wrongly) sent. */
  cdnRequests: { path: string; authorization?: string; range?: string }[];
  close: () => Promise<void>;
};

export async function startAuthFront(
  registryUrl: string,
  opts: { redirectBlobs?: boolean; service?: string } = {},
): Promise<AuthFront> {
  const service = opts.service ?? 'ownchat-test-registry';
  const tokens = new Map<string, string>(); // token → the scope it was issued for
  const tokenRequests: AuthFront['tokenRequests'] = [];
  const registryRequests: AuthFront['registryRequests'] = [];
  const cdnRequests: AuthFront['cdnRequests'] = [];

  const cdn = http.createServer((req, res) => {
    const authorization = req.headers.authorization;
    cdnRequests.push({ path: req.url ?? '', authorization, range: req.headers.range });
    if (authorization) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Only one auth mechanism allowed: the URL is signed, do not send Authorization');
      return;
    }
    const m = /^\/cdn(\/v2\/.+\/blobs\/sha256:[a-f0-9]{64})\?sig=/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(403).end('bad signature');
      return;
    }
    forward(registryUrl, m[1]!, req, res);
  });

  const front = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    if (url.pathname === '/token') {
      tokenRequests.push({ service: url.searchParams.get('service'), scope: url.searchParams.get('scope') });
      const token = randomBytes(16).toString('hex');
      tokens.set(token, url.searchParams.get('scope') ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    // A token is good for what its scope grants: reads need pull, writes (a push) need push too.
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    const scope = bearer === undefined ? undefined : tokens.get(bearer);
    const authorized = scope !== undefined && (!write || /:([a-z,]*,)?push(,|$)/.test(scope));
    registryRequests.push({ path: url.pathname, accept: req.headers.accept, authorized });
    if (!authorized) {
      const repo = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(url.pathname)?.[1] ?? '';
      res.writeHead(401, {
        'content-type': 'application/json',
        // Reading needs pull; a push's POST, PATCH and PUT need push too, as real registries challenge them.
        'www-authenticate': `Bearer realm="${frontUrl}/token",service="${service}",scope="repository:${repo}:${req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'pull,push'}"`,
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (opts.redirectBlobs && req.method === 'GET' && /\/blobs\/sha256:/.test(url.pathname)) {
      res.writeHead(307, { location: `${cdnUrl}/cdn${url.pathname}?sig=${randomBytes(8).toString('hex')}` });
      res.end();
      return;
    }
    forward(registryUrl, url.pathname + url.search, req, res);
  });

  const listen = async (s: http.Server) => {
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  const frontUrl = await listen(front);
  const cdnUrl = await listen(cdn);
  return {
    url: frontUrl,
    host: new URL(frontUrl).host,
    cdnUrl,
    tokenRequests,
    registryRequests,
    cdnRequests,
    close: async () => {
      for (const s of [front, cdn]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

/** Passes a request on to the registry and its answer back, headers and body streamed. */
function forward(
  registryUrl: string,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const headers = { ...req.headers };
  delete headers.host;
  delete headers.authorization;
  const up = http.request(new URL(path, registryUrl), { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  up.on('error', () => res.destroy());
  res.on('close', () => up.destroy());
  req.pipe(up);
}
