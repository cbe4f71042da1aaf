// One message of the conversation: a question (with Edit) or an answer (markdown; while it is written, what it is
// waiting for; then its speed, time to first token and where it ran, with Copy and Regenerate; if it was cut off,
// the reason and Retry).
import { useEffect, useState } from 'react';
import { imageUrl, type Message } from '../../../src/api.ts';
import { cannotReadImages } from '../../../src/shared/images.ts';
import { formatDuration, formatMs } from '../format.ts';
import type { Streaming } from '../useChat.ts';
import { CopyButton } from './CopyButton.tsx';
import { Markdown } from './Markdown.tsx';
import { PullProgressBar } from './PullProgressBar.tsx';
import { ThinkingView } from './ThinkingView.tsx';
import { ToolCallsView } from './ToolCallsView.tsx';

function useSecondsSince(since: number, active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return Math.max(0, Math.round((now - since) / 1000));
}

/** Not an error: a model loading or a queue takes time, and the page says which and for how long so far. */
function WaitingNote({ streaming, model }: { streaming: Streaming; model: string }) {
  const seconds = useSecondsSince(streaming.waitingSince, true);
  const w = streaming.waiting;
  if (w?.reason === 'pulling' && streaming.pull) {
    return (
      <div className="waiting">
        <p>
          Downloading <strong>{w.model}</strong> to the llm-manager (the first message of this model)…
        </p>
        <PullProgressBar model={w.model} progress={streaming.pull} />
      </div>
    );
  }
  const text =
    w?.reason === 'loading'
      ? `Loading ${w.model} into memory`
      : w?.reason === 'queued'
        ? `Waiting for ${w.model} to start answering`
        : `Asking ${model}`;
  return (
    <p className="waiting">
      <span className="dots" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      {text}…{seconds >= 2 ? ` ${formatDuration(seconds)}` : ''}
    </p>
  );
}

function Stats({ m }: { m: Message }) {
  const s = m.stats;
  if (!s) return null;
  const parts = [
    s.tokensPerSecond !== undefined ? `${s.tokensPerSecond.toFixed(1)} tokens/s` : null,
    s.timeToFirstTokenMs !== undefined ? `${formatMs(s.timeToFirstTokenMs)} to first token` : null,
    s.placement ? `on ${s.placement.text}` : null,
    s.loadMs !== undefined && s.loadMs >= 500 ? `model loaded in ${formatMs(s.loadMs)}` : null,
  ].filter(Boolean);
  if (!parts.length) return null;
  return <span className="stats">{parts.join(' · ')}</span>;
}

export function MessageView({
  m,
  streaming,
  busy,
  onEdit,
  onRegenerate,
}: {
  m: Message;
  /** Set while this message is the answer being written. */
  streaming: Streaming | null;
  /** Another answer is being written: actions that start one wait. */
  busy: boolean;
  onEdit: (content: string) => void;
  onRegenerate: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const isUser = m.role === 'user';
  const live = streaming !== null;
  const label = isUser ? 'You' : (m.model ?? 'Assistant');

  if (isUser) {
    return (
      <article className="message user" aria-label="Your message">
        {editing ? (
          <form
            className="edit"
            onSubmit={(e) => {
              e.preventDefault();
              const text = new FormData(e.currentTarget).get('content')?.toString() ?? '';
              if (!text.trim()) return;
              setEditing(false);
              onEdit(text);
            }}
          >
            <textarea
              name="content"
              aria-label="Edit message"
              defaultValue={m.content}
              rows={Math.min(10, m.content.split('\n').length + 1)}
              // biome-ignore lint/a11y/noAutofocus: the user pressed Edit; this is what they edit
              autoFocus
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
                if (e.key === 'Escape') {
                  e.stopPropagation();
                  setEditing(false);
                }
              }}
            />
            <div className="actions">
              <button type="button" className="secondary small" onClick={() => setEditing(false)}>
                Cancel
              </button>
              <button type="submit" className="primary small">
                Save and send
              </button>
            </div>
          </form>
        ) : (
          <>
            {m.images.length > 0 && (
              <div className="message-images">
                {m.images.map((img, i) => (
                  <a key={img.id} href={imageUrl(img.id)} target="_blank" rel="noreferrer">
                    <img src={imageUrl(img.id)} alt={`Attachment ${i + 1} of your message`} loading="lazy" />
                  </a>
                ))}
              </div>
            )}
            <div className="bubble">{m.content}</div>
            <div className="actions">
              <button type="button" className="ghost small" disabled={busy} onClick={() => setEditing(true)}>
                Edit
              </button>
            </div>
          </>
        )}
      </article>
    );
  }

  const waiting = live && !m.content && !m.thinking && !m.toolCalls;
  return (
    <article className={`message assistant ${m.status}`} aria-label={`Answer from ${label}`} aria-busy={live}>
      <div className="who">{label}</div>
      <ThinkingView m={m} streaming={streaming} />
      {waiting ? (
        <WaitingNote streaming={streaming} model={m.model ?? ''} />
      ) : (
        (m.content || (!m.thinking && !m.toolCalls)) && (
          <div className={live ? 'body typing' : 'body'}>
            <Markdown text={m.content} />
          </div>
        )
      )}
      <ToolCallsView m={m} />
      {!!m.stats?.imagesNotSent && (
        <p className="marker">
          {m.stats.imagesNotSent === 1 ? 'The image' : `The ${m.stats.imagesNotSent} images`} earlier in this
          conversation {m.stats.imagesNotSent === 1 ? 'was' : 'were'} not sent:{' '}
          {cannotReadImages(m.model ?? 'this model')}.
        </p>
      )}
      {m.status === 'stopped' && (
        <p className="marker">Stopped{m.content ? ' here' : ' before the answer began'}.</p>
      )}
      {m.status === 'error' && (
        <div className="notice error" role="alert">
          <p>{m.error ?? 'The answer failed.'}</p>
          <button type="button" className="secondary small" disabled={busy} onClick={onRegenerate}>
            Retry
          </button>
        </div>
      )}
      {!live && (
        <div className="actions">
          <Stats m={m} />
          {m.content && <CopyButton text={() => m.content} label="Copy answer" />}
          {m.status !== 'error' && (
            <button type="button" className="ghost small" disabled={busy} onClick={onRegenerate}>
              Regenerate
            </button>
          )}
        </div>
      )}
    </article>
  );
}
