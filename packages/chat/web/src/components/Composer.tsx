// The message box: Enter sends, Shift+Enter is a new line; while an answer is written, Send becomes Stop (Esc
// stops too, from anywhere on the page). Images come in by the attach button, by paste and by drop, each shown as
// a thumbnail that can be removed before sending; a model that cannot read images has the button off, saying why.
import { useEffect, useRef, useState } from 'react';
import { cannotReadImages, IMAGE_TYPES, MAX_IMAGES_PER_MESSAGE } from '../../../src/shared/images.ts';
import { shortModelName } from '../../../src/shared/modelNames.ts';
import { type Attachment, filesOf, prepareImage } from '../attachments.ts';

/** What the composer knows about images: whether the model reads them, and the largest the server takes. */
export type ImageSupport = { readsImages: boolean; maxBytes: number };

export function Composer({
  model,
  streaming,
  disabled,
  images,
  onSend,
  onStop,
}: {
  model: string;
  streaming: boolean;
  disabled?: boolean;
  images: ImageSupport;
  onSend: (text: string, images: Attachment[]) => Promise<boolean>;
  onStop: () => void;
}) {
  const [text, setText] = useState('');
  const [attached, setAttached] = useState<Attachment[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const noImages = images.readsImages ? null : cannotReadImages(model);

  /** Adds what the user gave, within the count limit; the first file that cannot go says why. */
  const add = async (files: File[]) => {
    if (!files.length) return;
    if (noImages) {
      setProblem(`${noImages}: choose a model that can, or send text only`);
      return;
    }
    const room = MAX_IMAGES_PER_MESSAGE - attached.length;
    const ready: Attachment[] = [];
    let why: string | null =
      files.length > room
        ? `at most ${MAX_IMAGES_PER_MESSAGE} images a message: ${files.length - Math.max(room, 0)} left out`
        : null;
    for (const file of files.slice(0, Math.max(room, 0))) {
      const r = await prepareImage(file, images.maxBytes);
      if (typeof r === 'string') why ??= r;
      else ready.push(r);
    }
    setProblem(why);
    if (ready.length) setAttached((a) => [...a, ...ready].slice(0, MAX_IMAGES_PER_MESSAGE));
  };

  // A file dropped beside the composer would make the browser open it in place of the page: it is ignored instead.
  useEffect(() => {
    const ignore = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', ignore);
    window.addEventListener('drop', ignore);
    return () => {
      window.removeEventListener('dragover', ignore);
      window.removeEventListener('drop', ignore);
    };
  }, []);

  // The box grows with what is typed, up to a third of the screen.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, window.innerHeight / 3)}px`;
  });

  // Images the model cannot read are not sent: the user removes them or picks another model.
  const blocked = attached.length > 0 && noImages !== null;
  const send = async () => {
    const value = text;
    const sent = attached;
    if (!value.trim() || streaming || disabled || blocked) return;
    setText('');
    setAttached([]);
    setProblem(null);
    if (!(await onSend(value, sent))) {
      setText((t) => t || value);
      setAttached((a) => (a.length ? a : sent));
    }
    ref.current?.focus();
  };

  return (
    <form
      className={dragging ? 'composer dragging' : 'composer'}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = noImages ? 'none' : 'copy';
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        const files = filesOf(e.dataTransfer);
        setDragging(false);
        if (!files.length) return;
        e.preventDefault();
        void add(files);
      }}
    >
      {(attached.length > 0 || problem || blocked) && (
        <div className="attachments">
          {attached.length > 0 && (
            <ul aria-label="Images to send">
              {attached.map((a, i) => (
                <li key={a.key}>
                  <img src={a.dataUrl} alt={`Attached ${i + 1}: ${a.name}`} />
                  <button
                    type="button"
                    className="remove"
                    aria-label={`Remove image ${i + 1}`}
                    title="Remove"
                    onClick={() => setAttached((list) => list.filter((_, j) => j !== i))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {(problem || blocked) && (
            <p className="attach-problem" role="alert">
              {problem ?? `${noImages}: remove the images or choose a model that can read them`}
            </p>
          )}
        </div>
      )}
      <button
        type="button"
        className="ghost icon attach"
        aria-label={noImages ? `Attach images (${noImages})` : 'Attach images'}
        title={noImages ?? `Attach images (${IMAGE_TYPES.map((t) => t.slice(6).toUpperCase()).join(', ')})`}
        disabled={noImages !== null || streaming}
        onClick={() => picker.current?.click()}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M20 11.5l-7.8 7.8a5 5 0 01-7.1-7.1l8.5-8.5a3.4 3.4 0 014.8 4.8l-8.5 8.5a1.7 1.7 0 01-2.4-2.4l7.8-7.8" />
        </svg>
      </button>
      <input
        ref={picker}
        type="file"
        hidden
        multiple
        accept={IMAGE_TYPES.join(',')}
        onChange={(e) => {
          void add([...(e.currentTarget.files ?? [])]);
          e.currentTarget.value = '';
        }}
      />
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder={`Message ${shortModelName(model)}`}
        rows={1}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onPaste={(e) => {
          // A pasted image (a screenshot) is attached; pasted text goes into the box as usual.
          const files = filesOf(e.clipboardData);
          if (!files.length) return;
          e.preventDefault();
          void add(files);
        }}
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
        <button key="send" type="submit" className="send" disabled={!text.trim() || disabled || blocked}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M12 19V5M5 12l7-7 7 7" />
          </svg>
          <span>Send</span>
        </button>
      )}
    </form>
  );
}
