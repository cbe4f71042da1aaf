// Following an answer that any replica is writing: its writer saves it at least every SAVE_MS (answers.ts), so a
// follower reads the saved row every FOLLOW_MS and sends what is new as the writer's own events would (thinking,
// token, toolCalls), until the row ends (done, stopped, failed, or marked cut off when its writer died: the lease
// sweep in start.ts). Polling the row works on SQLite and PostgreSQL alike and needs no connection held per
// follower; the cost is up to SAVE_MS + FOLLOW_MS of delay behind the writer.
import type { AnswerEvents, Message } from '../api.ts';
import type { ChatStore, Owner } from '../db/chatStore.ts';
import type { SseStream } from './sse.ts';

export const FOLLOW_MS = 250;

/** Streams `answer` (as read just before) to `sse` until it ends, the browser leaves, or the row goes. */
export async function followAnswer(
  store: ChatStore,
  owner: Owner,
  answer: Message,
  sse: SseStream<AnswerEvents>,
  pollMs = FOLLOW_MS,
): Promise<void> {
  let sent = { content: '', thinking: '', calls: 0 };
  let row: Message | undefined = answer;
  try {
    while (row && !sse.clientGone.aborted) {
      const thinking = row.thinking ?? '';
      // A row only grows while it streams; should it not (rewritten), the follower starts it over.
      if (thinking.length > sent.thinking.length && thinking.startsWith(sent.thinking)) {
        sse.send('thinking', { text: thinking.slice(sent.thinking.length) });
      }
      if (row.content.length > sent.content.length && row.content.startsWith(sent.content)) {
        sse.send('token', { text: row.content.slice(sent.content.length) });
      }
      const calls = row.toolCalls ?? [];
      if (calls.length > sent.calls) sse.send('toolCalls', { calls });
      sent = { content: row.content, thinking, calls: calls.length };
      if (row.status !== 'streaming') {
        sse.send(row.status === 'error' ? 'error' : 'done', { answer: row });
        return;
      }
      await new Promise((r) => setTimeout(r, pollMs));
      row = await store.getMessage(owner, answer.id);
    }
  } finally {
    sse.end();
  }
}
