import type { PullProgress } from '../../../src/api.ts';
import { formatBytes, formatDuration } from '../format.ts';

/** One bar for a whole pull: every layer summed, with the speed and the time left when they are known. */
export function PullProgressBar({ model, progress }: { model: string; progress: PullProgress }) {
  const { total, completed, bytesPerSecond, secondsLeft, status } = progress;
  const percent = total > 0 ? Math.floor((completed / total) * 100) : 0;
  const parts =
    total > 0 && status === 'downloading'
      ? [
          `${formatBytes(completed)} of ${formatBytes(total)}`,
          bytesPerSecond !== undefined ? `${formatBytes(bytesPerSecond)}/s` : null,
          secondsLeft !== undefined ? `about ${formatDuration(secondsLeft)} left` : null,
        ]
      : [status === 'pulling manifest' ? 'asking the registry for the model' : status];
  const text = parts.filter(Boolean).join(' · ');
  return (
    <div className="pull">
      <div
        className="bar"
        role="progressbar"
        aria-label={`Pulling ${model}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%: ${text}`}
      >
        <div className="fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="pull-text">
        <strong>{total > 0 ? `${percent}%` : 'Starting'}</strong> {text}
      </p>
    </div>
  );
}
