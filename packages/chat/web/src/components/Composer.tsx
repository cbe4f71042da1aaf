// The message box: Enter sends, Shift+Enter is a new line; while an answer is written, Send becomes Stop (Esc
// stops too, from anywhere on the page).
import { useEffect, useRef, useState } from 'react';
import { shortModelName } from '../../../src/shared/modelNames.ts';

export function Composer({
  model,
  streaming,
  disabled,
  onSend,
  onStop,
}: {
  model: string;
  streaming: boolean;
  disabled?: boolean;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
}) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);

  // The box grows with what is typed, up to a third of the screen.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, window.innerHeight / 3)}px`;
  });

  const send = async () => {
    const value = text;
    if (!value.trim() || streaming || disabled) return;
    setText('');
    if (!(await onSend(value))) setText((t) => t || value);
    ref.current?.focus();
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder={`Message ${shortModelName(model)}`}
        rows={1}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
      />
      {streaming ? (
        // Its own element (key), with no default action: the Stop and Send buttons share a place but never a click.
        <button
          key="stop"
          type="button"
          className="stop"
          onClick={(e) => {
            e.preventDefault();
            onStop();
          }}
          aria-keyshortcuts="Escape"
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <rect x="7" y="7" width="10" height="10" rx="1.5" />
          </svg>
          <span>Stop</span>
        </button>
      ) : (
        <button key="send" type="submit" className="send" disabled={!text.trim() || disabled}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M12 19V5M5 12l7-7 7 7" />
          </svg>
          <span>Send</span>
        </button>
      )}
    </form>
  );
}
