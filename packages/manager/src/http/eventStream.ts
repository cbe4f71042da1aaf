// A streamed reply written to the raw socket so each event leaves at once: Ollama's NDJSON (one JSON object and
// "\n" per line, application/x-ndjson), OpenAI's server-sent events (`data: {json}` and a blank line, ended by
// `data: [DONE]`) or named ones (`event: <type>` before the data). The framing is the only difference between them.
import type { FastifyReply } from 'fastify';

export type Framing = {
  contentType: string;
  frame: (event: unknown) => string;
  /** Written after the last event of a complete answer (not after an error or a client gone). */
  endMarker?: string;
};

export const NDJSON: Framing = {
  contentType: 'application/x-ndjson',
  frame: (event) => `${JSON.stringify(event)}\n`,
};

export const SSE: Framing = {
  contentType: 'text/event-stream',
  frame: (event) => `data: ${JSON.stringify(event)}\n\n`,
  endMarker: 'data: [DONE]\n\n',
};

/**
 * Server-sent events named after their `type` (`event: message_start`), as Anthropic's Messages stream and OpenAI's
 * Responses stream send them (Ollama's middleware writeSSE); neither ends with a marker.
 */
export const NAMED_SSE: Framing = {
  contentType: 'text/event-stream',
  frame: (event) => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`,
};

export class EventStream {
  private started = false;

  constructor(
    private readonly reply: FastifyReply,
    private readonly framing: Framing = NDJSON,
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  /** Sends the 200 status and headers; after this an error can only be a last event. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      ...(this.reply.getHeaders() as Record<string, string>),
      'content-type': this.framing.contentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.reply.raw.flushHeaders();
  }

  write(event: unknown): void {
    this.writeText(this.framing.frame(event));
  }

  /** Ends a complete answer: the framing's end marker (SSE's [DONE]), then the end of the response. */
  finish(): void {
    if (this.framing.endMarker) this.writeText(this.framing.endMarker);
    this.end();
  }

  /** Ends the response as it stands (after an error event, or for a client that left). */
  end(): void {
    this.start();
    this.reply.raw.end();
  }

  private writeText(text: string): void {
    this.start();
    if (!this.reply.raw.destroyed) this.reply.raw.write(text);
  }
}
