// A streamed OpenAI answer: server-sent events, each `data: {json}` and a blank line, ended by `data: [DONE]`.
import type { FastifyReply } from 'fastify';
import { NdjsonStream } from './eventStream.ts';

export class SseStream {
  private readonly out: NdjsonStream;

  constructor(reply: FastifyReply) {
    this.out = new NdjsonStream(reply, 'text/event-stream');
  }

  get isStarted(): boolean {
    return this.out.isStarted;
  }

  data(event: unknown): void {
    this.out.writeText(`data: ${JSON.stringify(event)}\n\n`);
  }

  /** The OpenAI end marker, then the end of the response. */
  done(): void {
    this.out.writeText('data: [DONE]\n\n');
    this.out.end();
  }

  end(): void {
    this.out.end();
  }
}
