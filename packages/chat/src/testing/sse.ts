// Reads the chatbot's server-sent events in tests, the way the page does (fetch + an SSE parser), with bounded
// waits: a stream that never delivers what a test waits for fails it with what did arrive.
import { EventSourceParserStream } from 'eventsource-parser/stream';

export type Event = { event: string; data: Record<string, unknown> & { [k: string]: unknown } };

export type LiveStream = {
  status: number;
  events: Event[];
  /** Resolves when the stream has ended. */
  finished: Promise<void>;
  /** Waits until an event satisfies `test`. */
  until: (test: (e: Event, all: Event[]) => boolean, timeoutMs?: number) => Promise<Event>;
  abort: () => void;
  text: (event: string) => string;
};

/** POSTs `body` to `url` and reads the events that come back; with `body` undefined, GETs the stream instead. */
export async function openStream(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LiveStream> {
  const ac = new AbortController();
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: ac.signal,
  });
  const events: Event[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  let ended = false;
  const finished = (async () => {
    if (!res.ok || !res.body) {
      events.push({ event: 'http-error', data: (await res.json().catch(() => ({}))) as Event['data'] });
      return;
    }
    const reader = res.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        events.push({ event: value.event ?? 'message', data: JSON.parse(value.data) });
        notify();
      }
    } catch (e) {
      // The server went away mid-stream: that is what some tests are about, so it is an event, not a throw.
      if (!ac.signal.aborted)
        events.push({ event: 'connection-lost', data: { message: (e as Error).message } });
    }
  })().finally(() => {
    ended = true;
    notify();
  });
  const until = (test: (e: Event, all: Event[]) => boolean, timeoutMs = 30_000) =>
    new Promise<Event>((resolve, reject) => {
      const check = () => {
        const hit = events.find((e) => test(e, events));
        if (hit) return done(() => resolve(hit));
        if (ended) done(() => reject(new Error(`the stream ended without it: ${JSON.stringify(events)}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out after ${timeoutMs} ms: ${JSON.stringify(events)}`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });
  return {
    status: res.status,
    events,
    finished,
    until,
    abort: () => ac.abort(),
    text: (event: string) =>
      events
        .filter((e) => e.event === event)
        .map((e) => String(e.data.text ?? ''))
        .join(''),
  };
}

/** Posts and reads the whole stream. */
export async function readStream(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LiveStream> {
  const s = await openStream(url, body, headers);
  await s.finished;
  return s;
}
