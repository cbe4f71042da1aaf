// The conversation, as a live region (role "log") so screen readers hear new messages; an answer being written
// is aria-busy and is read once it is complete. The view follows the answer unless the reader scrolled up.
import { useEffect, useRef } from 'react';
import type { Message } from '../../../src/api.ts';
import type { Streaming } from '../useChat.ts';
import { MessageView } from './MessageView.tsx';

export function ConversationLog({
  messages,
  streaming,
  empty,
  onEdit,
  onRegenerate,
}: {
  messages: Message[];
  streaming: Streaming | null;
  empty: React.ReactNode;
  onEdit: (id: number, content: string) => void;
  onRegenerate: (id: number) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const last = messages.at(-1);

  useEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });

  return (
    <div
      className="log"
      ref={ref}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      <div role="log" aria-label="Conversation" aria-live="polite" className="log-inner">
        {messages.length === 0 && !streaming ? empty : null}
        {messages.map((m) => (
          <MessageView
            key={m.id}
            m={m}
            streaming={streaming && m.id === streaming.answerId ? streaming : null}
            busy={streaming !== null}
            onEdit={(content) => onEdit(m.id, content)}
            onRegenerate={() => onRegenerate(m.id)}
          />
        ))}
        {streaming && streaming.answerId === undefined && last?.role === 'user' && (
          <p className="waiting pending" aria-hidden="true">
            <span className="dots">
              <i />
              <i />
              <i />
            </span>
          </p>
        )}
      </div>
    </div>
  );
}
