// Calls to another llm-manager replica: the same Ollama API a client uses, marked as relayed so the peer does the
// work only locally (it does not relay again). Every call is bounded: a peer that is down, or up but silent, is
// reported by name within OWNCHAT_PEER_TIMEOUT; it never holds a pull or a delete open.
import { createReadStream } from 'node:fs';
import { Agent, request } from 'undici';
import { PeerError } from '../errors.ts';
import type { Peer } from './peerList.ts';

/** Set on requests one replica sends another: the receiver does the work here only. */
export const RELAYED_HEADER = 'x-ownchat-relayed';

export type PeerClientSettings = {
  /** OWNCHAT_PEER_TIMEOUT: connecting, and the first byte of an answer. */
  timeoutMs: number;
  /** How long a relayed pull may send nothing: the peer's own download may stall and retry meanwhile. */
  pullIdleMs: number;
  /** A key of OWNCHAT_API_KEYS: replicas share their keys, so this one's opens its peers' doors. */
  apiKey?: string;
};

/** A model as a peer's /api/tags lists it. */
export type PeerModel = { name: string; digest: string };

export class PeerClient {
  private readonly dispatcher: Agent;

  constructor(private readonly settings: PeerClientSettings) {
    this.dispatcher = new Agent({ connect: { timeout: settings.timeoutMs } });
  }

  /**
   * Has the peer pull `body.model`; resolves when it reports success. `onLine` sees each progress line. A
   * refusal, an {"error"} line or a stream that ends without success throws a PeerError naming the peer.
   */
  async pull(
    peer: Peer,
    body: { model: string; insecure: boolean },
    signal: AbortSignal,
    onLine: (line: Record<string, unknown>) => void = () => {},
  ): Promise<void> {
    const res = await this.call(peer, 'POST', '/api/pull', { ...body, stream: true }, signal, {
      bodyTimeout: this.settings.pullIdleMs,
    });
    if (res.statusCode !== 200) throw await this.refusal(peer, res);
    let buffered = '';
    let succeeded = false;
    try {
      for await (const chunk of res.body) {
        buffered += chunk.toString();
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const text = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          if (!text) continue;
          const line = JSON.parse(text) as Record<string, unknown>;
          if (typeof line.error === 'string') throw new PeerError(`replica ${peer.label}: ${line.error}`);
          if (line.status === 'success') succeeded = true;
          onLine(line);
        }
      }
    } catch (e) {
      throw this.asPeerError(peer, e);
    }
    if (!succeeded) throw new PeerError(`replica ${peer.label}: its pull stopped before it reported success`);
  }

  /** A JSON call (delete, copy): the peer's status and, where it failed, its error message. */
  async send(
    peer: Peer,
    method: 'POST' | 'DELETE',
    path: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<{ status: number; error?: string }> {
    const res = await this.call(peer, method, path, body, signal);
    if (res.statusCode < 300) {
      await res.body.dump();
      return { status: res.statusCode };
    }
    return { status: res.statusCode, error: (await this.refusal(peer, res)).message };
  }

  /** Gives a peer a blob it lacks (HEAD first, as `ollama create` does): the GGUF a create on every replica needs. */
  async uploadBlob(peer: Peer, digest: string, file: string, size: number): Promise<void> {
    const path = `/api/blobs/${digest}`;
    const head = await this.call(peer, 'HEAD', path, undefined);
    await head.body.dump();
    if (head.statusCode === 200) return;
    const res = await this.call(peer, 'POST', path, undefined, undefined, { upload: { file, size } });
    if (res.statusCode >= 300) throw await this.refusal(peer, res);
    await res.body.dump();
  }

  /** The models a peer has (its /api/tags). */
  async tags(peer: Peer, signal?: AbortSignal): Promise<PeerModel[]> {
    const res = await this.call(peer, 'GET', '/api/tags', undefined, signal);
    if (res.statusCode !== 200) throw await this.refusal(peer, res);
    try {
      const { models } = (await res.body.json()) as { models?: PeerModel[] };
      return (models ?? []).filter((m) => typeof m?.name === 'string' && typeof m.digest === 'string');
    } catch (e) {
      throw this.asPeerError(peer, e);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => {});
  }

  private async call(
    peer: Peer,
    method: 'GET' | 'HEAD' | 'POST' | 'DELETE',
    path: string,
    body: Record<string, unknown> | undefined,
    signal?: AbortSignal,
    extra: { bodyTimeout?: number; upload?: { file: string; size: number } } = {},
  ) {
    const headers: Record<string, string> = { [RELAYED_HEADER]: '1' };
    if (body) headers['content-type'] = 'application/json';
    if (extra.upload) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(extra.upload.size);
    }
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    try {
      return await request(`http://${peer.label}${path}`, {
        method,
        headers,
        // An upload's wait for the answer restarts with every chunk sent: a slow, steady upload is not cut.
        body: extra.upload ? createReadStream(extra.upload.file) : body ? JSON.stringify(body) : undefined,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: extra.bodyTimeout ?? this.settings.timeoutMs,
      });
    } catch (e) {
      throw this.asPeerError(peer, e);
    }
  }

  /** A peer's non-2xx answer as an error carrying its status and its own words. */
  private async refusal(peer: Peer, res: Awaited<ReturnType<typeof request>>): Promise<PeerError> {
    const text = await res.body.text().catch(() => '');
    let message = text.trim().slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
    } catch {
      // not JSON: its text as it came
    }
    return new PeerStatusError(
      `replica ${peer.label} answered ${res.statusCode}: ${message}`,
      res.statusCode,
    );
  }

  /** Network trouble and timeouts, in words that say what the peer did (or did not do). */
  private asPeerError(peer: Peer, e: unknown): PeerError {
    if (e instanceof PeerError) return e;
    const err = e as { code?: string; message?: string; name?: string };
    const { timeoutMs, pullIdleMs } = this.settings;
    const why: Record<string, string> = {
      ECONNREFUSED: 'refused the connection (is it running?)',
      ECONNRESET: 'closed the connection',
      EHOSTUNREACH: 'is unreachable',
      UND_ERR_CONNECT_TIMEOUT: `did not accept a connection within ${seconds(timeoutMs)} (OWNCHAT_PEER_TIMEOUT)`,
      UND_ERR_HEADERS_TIMEOUT: `did not answer within ${seconds(timeoutMs)} (OWNCHAT_PEER_TIMEOUT)`,
      UND_ERR_BODY_TIMEOUT: `went silent for ${seconds(pullIdleMs)}`,
      UND_ERR_SOCKET: 'closed the connection mid-answer',
    };
    const reason = (err.code && why[err.code]) ?? err.message ?? String(e);
    return new PeerError(`replica ${peer.label} ${reason}`);
  }
}

/** A peer answered with an error status (its 404 means "not here", which a delete may accept). */
export class PeerStatusError extends PeerError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
