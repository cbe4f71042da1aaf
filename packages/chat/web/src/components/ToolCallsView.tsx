// The tools an answer called (Ollama's message.tool_calls): each as the function's name and its arguments, not as
// the raw text the model wrote.
import type { Message } from '../../../src/api.ts';

export function ToolCallsView({ m }: { m: Message }) {
  if (!m.toolCalls?.length) return null;
  return (
    <ul className="tool-calls" aria-label="Tool calls">
      {m.toolCalls.map((call, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: calls only ever append, and two may be the same call
        <li key={i} className="tool-call">
          <span className="tool-label">Called</span> <code className="tool-name">{call.name}</code>
          <pre className="tool-arguments">{JSON.stringify(call.arguments, null, 2)}</pre>
        </li>
      ))}
    </ul>
  );
}
