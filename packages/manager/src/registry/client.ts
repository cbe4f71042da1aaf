// HTTP to one registry for one pull: the manifest and byte ranges of blobs, over undici. It answers a
// `WWW-Authenticate: Bearer` challenge with an anonymous token from the realm, follows redirects by hand so the
// Authorization header never leaves the registry's origin (a CDN that a blob redirects to must not see it), and
// turns every failure into a RegistryError that names the host and says why.
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';
import { CanceledError, RegistryError } from '../errors.ts';
import { parseDigest } from '../store/blobs.ts';
import type { Layer, Manifest } from '../store/manifests.ts';
import { LAYER, MANIFEST_MEDIA_TYPE } from '../store/mediaTypes.ts';
import { parseChallenge } from './challenge.ts';
import type { RegistryRef } from './reference.ts';

/**
 * The connection pool pulls and pushes share the settings of: every timeout that can notice a silent registry is
 * the stall timeout; a paused body (our disk is behind) does not count as stalled.
 */
export function registryDispatcher(stallTimeoutMs: number): Agent {
  return new Agent({
    connect: { timeout: stallTimeoutMs },
    headersTimeout: stallTimeoutMs,
    bodyTimeout: stallTimeoutMs,
    keepAliveTimeout: 10_000,
  });
}

const USER_AGENT = 'ownchat/0.1 (Ollama-compatible)';
const MAX_REDIRECTS = 10;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export type RegistryClientOptions = {
  /** Shared connection pool; its headersTimeout and bodyTimeout are what detects a stalled registry. */
  dispatcher: Dispatcher;
  /** For messages: how long the dispatcher waits before it calls a request stalled. */
  stallTimeoutMs: number;
};

export type PulledManifest = { manifest: Manifest; bytes: Buffer };

export class RegistryClient {
  private authorization: string | undefined;

  constructor(
    readonly ref: RegistryRef,
    private readonly opts: RegistryClientOptions,
  ) {}

  get host(): string {
    return new URL(this.ref.origin).host;
  }

  /** The model's manifest as the registry sent it (its bytes are what Ollama stores and hashes). */
  async manifest(signal?: AbortSignal): Promise<PulledManifest> {
    const res = await this.send(this.ref.manifestUrl, { accept: MANIFEST_MEDIA_TYPE }, signal);
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new RegistryError('file does not exist'); // Ollama's words for an unknown model or tag
    }
    if (res.statusCode !== 200) throw await this.statusError(res, 'the manifest');
    const bytes = await readLimited(res.body, MAX_MANIFEST_BYTES, this.host);
    return { bytes, manifest: checkManifest(bytes, this.host) };
  }

  /**
   * Opens bytes start..end (inclusive) of a blob. Resolves once the registry (or the CDN it redirects to) has
   * answered 206; the body then streams the range.
   */
  async blobRange(digest: string, start: number, end: number, signal: AbortSignal): Promise<Readable> {
    const res = await this.send(this.ref.blobUrl(digest), { range: `bytes=${start}-${end}` }, signal);
    if (res.statusCode === 206) {
      const first = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1];
      if (first !== undefined && Number(first) !== start) {
        res.body.destroy();
        throw new RegistryError(
          `${this.host} sent bytes from ${first} of ${digest} when asked for ${start}: it does not honour Range requests`,
        );
      }
      return res.body;
    }
    if (res.statusCode === 200) {
      res.body.destroy();
      throw new RegistryError(
        `${this.host} ignores Range requests for ${digest} (it answered 200 to "bytes=${start}-${end}"): ownchat needs them to download in resumable parts`,
      );
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new RegistryError(`blob ${digest} is not on ${this.host} (404), though its manifest lists it`);
    }
    throw await this.statusError(res, `blob ${digest}`);
  }

  /** Whether the registry holds a blob in this repository already (HEAD), so a push need not send it. */
  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.send(this.ref.blobUrl(digest), {}, signal, 0, false, 'HEAD');
    await res.body.dump();
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw await this.statusError(res, `blob ${digest}`);
  }

  /**
   * Opens an upload session (POST /blobs/uploads/). With `mountFrom` ("namespace/model" on this registry) it asks
   * for a cross-repository mount first: 201 means the registry linked the blob and nothing need be sent.
   */
  async startUpload(
    digest: string,
    mountFrom: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ mounted: true } | { mounted: false; location: string }> {
    const url = new URL(`${this.ref.origin}/v2/${this.ref.repository}/blobs/uploads/`);
    if (mountFrom) {
      url.searchParams.set('mount', digest);
      url.searchParams.set('from', mountFrom);
    }
    const res = await this.send(url.href, { 'content-length': '0' }, signal, 0, false, 'POST');
    await res.body.dump();
    if (res.statusCode === 201 && mountFrom) return { mounted: true };
    if (res.statusCode !== 202) throw await this.statusError(res, `an upload of ${digest}`);
    return { mounted: false, location: this.uploadLocation(res, url.href) };
  }

  /**
   * Sends bytes start..end (inclusive) of a blob to an upload session (PATCH, OCI chunked upload); returns the
   * session's next URL. `body` makes the bytes (afresh if the request must be repeated for a token).
   */
  async uploadChunk(
    location: string,
    start: number,
    end: number,
    body: () => Readable,
    signal?: AbortSignal,
  ): Promise<string> {
    const res = await this.send(
      location,
      {
        'content-type': 'application/octet-stream',
        'content-length': String(end - start + 1),
        'content-range': `${start}-${end}`,
      },
      signal,
      0,
      false,
      'PATCH',
      body,
    );
    await res.body.dump();
    if (res.statusCode !== 202) throw await this.statusError(res, `bytes ${start}-${end} of an upload`);
    return this.uploadLocation(res, location);
  }

  /**
   * How many bytes an upload session holds (GET on it: `Range: 0-<last>`), to resume after a cut; undefined
   * when the registry no longer knows the session (or refuses to resume it), so the upload must start over.
   */
  async uploadOffset(
    location: string,
    signal?: AbortSignal,
  ): Promise<{ offset: number; location: string } | undefined> {
    const res = await this.send(location, {}, signal);
    await res.body.dump();
    if (res.statusCode !== 204 && res.statusCode !== 200) return undefined;
    const range = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
    return { offset: range ? Number(range[1]) + 1 : 0, location: this.uploadLocation(res, location) };
  }

  /** Closes an upload session with the blob's digest (PUT ?digest=); the registry checks the bytes against it. */
  async finishUpload(location: string, digest: string, signal?: AbortSignal): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.send(
      url.href,
      { 'content-type': 'application/octet-stream', 'content-length': '0' },
      signal,
      0,
      false,
      'PUT',
    );
    await res.body.dump();
    if (res.statusCode !== 201) throw await this.statusError(res, `the end of the upload of ${digest}`);
  }

  /** Tags the manifest (PUT /manifests/<tag>), bytes as they are in the store so the model keeps its digest. */
  async putManifest(bytes: Buffer, signal?: AbortSignal): Promise<void> {
    const res = await this.send(
      this.ref.manifestUrl,
      { 'content-type': MANIFEST_MEDIA_TYPE },
      signal,
      0,
      false,
      'PUT',
      () => bytes,
    );
    if (res.statusCode !== 201 && res.statusCode !== 200) throw await this.statusError(res, 'the manifest');
    await res.body.dump();
  }

  /** The Location (or Docker-Upload-Location) an upload answer points to, resolved against the request. */
  private uploadLocation(res: Dispatcher.ResponseData, requestUrl: string): string {
    const header = res.headers['docker-upload-location'] ?? res.headers.location;
    const location = Array.isArray(header) ? header[0] : header;
    if (!location) throw new RegistryError(`${this.host} answered an upload request without a Location`);
    return new URL(location, requestUrl).href;
  }

  /** One request, with the registry's token on its own origin only, redirects followed, a 401 answered once. */
  private async send(
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    hops = 0,
    authenticated = false,
    method: Dispatcher.HttpMethod = 'GET',
    body?: () => Readable | Buffer,
  ): Promise<Dispatcher.ResponseData> {
    const target = new URL(url);
    const own = target.origin === this.ref.origin;
    const h: Record<string, string> = { 'user-agent': USER_AGENT, ...headers };
    if (own && this.authorization) h.authorization = this.authorization;
    let res: Dispatcher.ResponseData;
    try {
      // A body is made afresh for each try: a stream sent once (and refused with a 401) cannot be sent again.
      res = await request(target, {
        method,
        headers: h,
        body: body?.(),
        signal,
        dispatcher: this.opts.dispatcher,
      });
    } catch (e) {
      throw networkError(target.host, e, this.opts.stallTimeoutMs, signal);
    }
    if (REDIRECT.has(res.statusCode) && method === 'GET') {
      const location = res.headers.location;
      await res.body.dump();
      if (typeof location !== 'string' || hops >= MAX_REDIRECTS) {
        throw new RegistryError(
          `${target.host} answered ${res.statusCode} ${location ? `redirecting more than ${MAX_REDIRECTS} times` : 'without a Location'}`,
        );
      }
      // Authorization is added per hop, for the registry's origin only: a redirect to a CDN goes without it.
      return this.send(new URL(location, target).href, headers, signal, hops + 1, authenticated);
    }
    if (res.statusCode === 401 && own && !authenticated) {
      const header = res.headers['www-authenticate'];
      await res.body.dump();
      await this.authenticate(Array.isArray(header) ? header[0] : header, signal, method);
      return this.send(url, headers, signal, hops, true, method, body);
    }
    if (res.statusCode === 401 && own) {
      await res.body.dump();
      throw new RegistryError(`${this.host} refused the token its own realm issued (401 Unauthorized)`);
    }
    return res;
  }

  /** Answers a Bearer challenge: an anonymous token from the realm, for the scope the registry asked for. */
  private async authenticate(
    header: string | undefined,
    signal: AbortSignal | undefined,
    method: Dispatcher.HttpMethod,
  ): Promise<void> {
    const challenge = parseChallenge(header);
    if (challenge?.scheme === 'basic') {
      throw new RegistryError(
        `${this.host} asks for a username and password (HTTP Basic auth), which ownchat does not support: it answers Bearer token challenges`,
      );
    }
    const realm = challenge?.params.realm;
    if (challenge?.scheme !== 'bearer' || !realm) {
      throw new RegistryError(
        `${this.host} answered 401 Unauthorized without a Bearer challenge to answer (WWW-Authenticate: ${header ?? 'none'})`,
      );
    }
    let tokenUrl: URL;
    try {
      tokenUrl = new URL(realm);
      if (!/^https?:$/.test(tokenUrl.protocol)) throw new Error('not http(s)');
    } catch {
      throw new RegistryError(`${this.host} sent an unusable token realm ${JSON.stringify(realm)}`);
    }
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    // Reading needs pull; anything that writes (a push's POST, PATCH, PUT) needs push too.
    const actions = method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push';
    tokenUrl.searchParams.set(
      'scope',
      challenge.params.scope ?? `repository:${this.ref.repository}:${actions}`,
    );
    let res: Dispatcher.ResponseData;
    try {
      res = await request(tokenUrl, {
        method: 'GET',
        headers: { 'user-agent': USER_AGENT, accept: 'application/json' },
        signal,
        dispatcher: this.opts.dispatcher,
      });
    } catch (e) {
      throw networkError(
        tokenUrl.host,
        e,
        this.opts.stallTimeoutMs,
        signal,
        `cannot reach ${tokenUrl.host} for a token to ${this.host}`,
      );
    }
    const text = await res.body.text().catch(() => '');
    let token: unknown;
    try {
      const body = JSON.parse(text) as { token?: unknown; access_token?: unknown };
      token = body.token ?? body.access_token;
    } catch {}
    if (res.statusCode !== 200 || typeof token !== 'string' || !token) {
      throw new RegistryError(
        `cannot get a token for ${this.host} from ${tokenUrl.origin}${tokenUrl.pathname}: ${res.statusCode} ${text.slice(0, 200)}`,
      );
    }
    this.authorization = `Bearer ${token}`;
  }

  private async statusError(res: Dispatcher.ResponseData, what: string): Promise<RegistryError> {
    const text = await res.body.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      // OCI error bodies: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}
      const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors;
      if (errors?.length)
        detail = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {}
    const retryable = res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408;
    return new RegistryError(
      `${this.host} answered ${res.statusCode} for ${what}${detail ? `: ${detail}` : ''}`,
      retryable,
    );
  }
}

/** A network failure as a user reads it: which host, what happened, and the system's code. */
export function networkError(
  host: string,
  e: unknown,
  stallTimeoutMs: number,
  signal?: AbortSignal,
  prefix = `cannot reach registry ${host}`,
): Error {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new CanceledError();
  if (e instanceof RegistryError || e instanceof CanceledError) return e;
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const seconds = `${stallTimeoutMs / 1000} s`;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed (DNS)',
    ECONNRESET: 'connection reset',
    EPIPE: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_HEADERS_TIMEOUT: `no answer within ${seconds}`,
    UND_ERR_BODY_TIMEOUT: `stalled: nothing received for ${seconds}`,
    UND_ERR_SOCKET: 'connection closed mid-transfer',
    UND_ERR_CLOSED: 'connection closed',
    EPROTO: 'TLS handshake failed (a plain-http registry needs "insecure": true)',
    ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (a plain-http registry needs "insecure": true)',
  };
  const reason =
    reasons[code] ??
    (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)
      ? `its TLS certificate is not trusted (${err.message})`
      : (err.cause?.message ?? err.message ?? String(e)));
  return new RegistryError(`${prefix}: ${reason}${code ? ` (${code})` : ''}`, true);
}

async function readLimited(body: Readable, limit: number, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      body.destroy();
      throw new RegistryError(`${host} sent a manifest larger than ${limit} bytes: not an Ollama model`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Checks a manifest before anything is downloaded: digests become file names, so each is validated here. */
function checkManifest(bytes: Buffer, host: string): Manifest {
  const bad = (why: string) => new RegistryError(`the manifest from ${host} is not usable: ${why}`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Partial<Manifest>;
  } catch {
    throw bad('it is not JSON');
  }
  if (!m || typeof m !== 'object' || !Array.isArray(m.layers)) {
    const type = (m as { mediaType?: string } | null)?.mediaType;
    throw bad(
      `it lists no layers${type ? ` (media type ${type}: an image index, not an Ollama model?)` : ''}`,
    );
  }
  const check = (l: Layer | undefined, what: string) => {
    if (!l || typeof l.mediaType !== 'string') throw bad(`${what} has no media type`);
    try {
      parseDigest(String(l.digest));
    } catch {
      throw bad(`${what} has the malformed digest ${JSON.stringify(l.digest)}`);
    }
    if (!Number.isSafeInteger(l.size) || l.size < 0) throw bad(`${what} has the invalid size ${l.size}`);
  };
  for (const [i, l] of m.layers.entries()) check(l, `layer ${i + 1}`);
  if (m.config !== undefined) check(m.config, 'its config');
  if (!m.layers.some((l) => l.mediaType === LAYER.model)) {
    throw bad(`it has no layer of type ${LAYER.model}, so it is not an Ollama model`);
  }
  return m as Manifest;
}
