// A thinking model's reasoning: open while it streams ("Thinking…"), folded under "Thought for N s" as soon as the
// answer starts and whenever the answer is shown later. The text is the model's, shown as plain text (not markdown):
// it is a draft, and nothing in it may run.
import type { Message } from '../../../src/api.ts';
import { formatDuration } from '../format.ts';
import type { Streaming } from '../useChat.ts';

/** "Thought for 4 s"; under half a second reads "Thought for a moment" rather than "0 s". */
function thoughtFor(ms: number | undefined): string {
  if (ms === undefined) return 'Thought';
  return ms < 500 ? 'Thought for a moment' : `Thought for ${formatDuration(ms / 1000)}`;
}

export function ThinkingView({ m, streaming }: { m: Message; streaming: Streaming | null }) {
  if (!m.thinking) return null;
  const thinkingNow = streaming !== null && streaming.thoughtMs === undefined && !m.content && !m.toolCalls;
  if (thinkingNow) {
    return (
      // A different key from the folded one: React makes a new, closed <details> when the thinking ends.
      <details key="thinking" className="thinking" open>
        <summary>Thinking…</summary>
        <div className="thinking-text">{m.thinking}</div>
      </details>
    );
  }
  return (
    <details key="thought" className="thinking">
      <summary>{thoughtFor(m.stats?.thinkingMs ?? streaming?.thoughtMs)}</summary>
      <div className="thinking-text">{m.thinking}</div>
    </details>
  );
}
