// Server-sent events to the browser: one `event:`/`data:` pair per message, written to the socket at once.
// `X-Accel-Buffering: no` tells nginx (and proxies that honour it) not to hold tokens back in its buffers, and a
// comment line every `heartbeatMs` keeps a quiet stream (a model loading for minutes) alive through proxies that
// close idle connections (nginx's proxy_read_timeout is 60 s).
import type { FastifyReply } from 'fastify';

export const HEARTBEAT_MS = 15_000;

export class SseStream<Events extends Record<string, unknown>> {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly gone = new AbortController();

  constructor(
    private readonly reply: FastifyReply,
    heartbeatMs = HEARTBEAT_MS,
  ) {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    // Nagle would hold a small token back waiting for the next one.
    res.socket?.setNoDelay(true);
    res.on('close', () => {
      if (!res.writableFinished) this.gone.abort();
      clearInterval(this.heartbeat);
    });
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Aborts when the browser goes away before the stream ends. */
  get clientGone(): AbortSignal {
    return this.gone.signal;
  }

  get isOpen(): boolean {
    return !this.reply.raw.destroyed && !this.reply.raw.writableEnded;
  }

  send<K extends keyof Events & string>(event: K, data: Events[K]): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    clearInterval(this.heartbeat);
    if (this.isOpen) this.reply.raw.end();
  }

  private write(text: string): void {
    if (this.isOpen) this.reply.raw.write(text);
  }
}
