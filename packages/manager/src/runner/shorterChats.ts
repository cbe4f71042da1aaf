// Ollama's chatPrompt truncation order (server/prompt.go): a conversation too long for the context loses its
// oldest messages first, one more each time; system messages and the last message always stay. The runner
// tries these for a chat it renders itself, the manager renders them for a chat on an Ollama template.

/** The conversation without its oldest messages, fewer each time (longest first). */
export function* shorterChats<M extends { role: string }>(messages: readonly M[]): Generator<M[]> {
  for (let i = 1; i < messages.length; i++) {
    yield [...messages.slice(0, i).filter((m) => m.role === 'system'), ...messages.slice(i)];
  }
}
