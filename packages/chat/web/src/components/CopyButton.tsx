import { useState } from 'react';
import { copyText } from '../clipboard.ts';

/** A button that copies `text` and says so for a moment. */
export function CopyButton({
  text,
  label,
  className,
}: {
  text: () => string;
  label: string;
  className?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className={className ?? 'ghost small'}
      aria-label={label}
      onClick={async () => {
        setState((await copyText(text())) ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 1500);
      }}
    >
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
      </span>
    </button>
  );
}
