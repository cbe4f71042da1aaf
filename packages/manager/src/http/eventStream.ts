// A streamed NDJSON answer (Ollama's application/x-ndjson: one JSON object and "\n" per line), written to the
// raw socket so each line leaves at once, and an AbortSignal that fires when the client goes away, so the
// generation behind it stops at once.
import type { FastifyReply } from 'fastify';

export class NdjsonStream {
  private started = false;

  /** contentType: text/event-stream for SSE (sse.ts frames its own lines and writes them with writeText). */
  constructor(
    private readonly reply: FastifyReply,
    private readonly contentType = 'application/x-ndjson',
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  /** Sends the 200 status and headers; after this an error can only be a last {"error"} line. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      ...(this.reply.getHeaders() as Record<string, string>),
      'content-type': this.contentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.reply.raw.flushHeaders();
  }

  write(line: unknown): void {
    this.writeText(`${JSON.stringify(line)}\n`);
  }

  writeText(text: string): void {
    this.start();
    if (!this.reply.raw.destroyed) this.reply.raw.write(text);
  }

  end(): void {
    this.start();
    this.reply.raw.end();
  }
}

/** Fires when the client disconnects before the answer is complete. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}
