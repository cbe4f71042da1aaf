// What a conversation remembers besides its model: the system prompt, temperature and context length, and for a
// model that thinks, whether it should (the Think switch) and, for one whose thinking takes levels (gpt-oss), how
// hard (low, medium, high). Empty fields mean the model's own defaults.
import { useState } from 'react';
import type { ConversationOptions } from '../../../src/api.ts';
import {
  DEFAULT_THINK_LEVEL,
  isThinkLevel,
  THINK_LEVELS,
  type ThinkLevel,
} from '../../../src/shared/thinkLevels.ts';
import { Dialog } from './Dialog.tsx';

const LEVEL_TEXT: Record<ThinkLevel, string> = {
  low: 'Low: a short look, a quicker answer',
  medium: 'Medium',
  high: 'High: reasons longest, answers slowest',
};

export function SettingsDialog({
  open,
  system,
  options,
  canThink,
  thinkLevels,
  onClose,
  onSave,
}: {
  open: boolean;
  system: string;
  options: ConversationOptions;
  /** The conversation's model has the `thinking` capability: the Think switch shows. */
  canThink: boolean;
  /** Its thinking takes a level (ModelEntry.thinkLevels): the switch offers low, medium and high. */
  thinkLevels: boolean;
  onClose: () => void;
  onSave: (s: { system: string; options: ConversationOptions }) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [think, setThink] = useState(options.think !== false);
  const [level, setLevel] = useState<ThinkLevel>(
    isThinkLevel(options.think) ? options.think : DEFAULT_THINK_LEVEL,
  );
  return (
    <Dialog open={open} title="Conversation settings" onClose={onClose}>
      <form
        className="settings"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const temperature = f.get('temperature')?.toString().trim();
          const ctx = f.get('num_ctx')?.toString().trim();
          // A model that cannot think keeps whatever the switch said for one that could (the model may change back);
          // likewise a level chosen for a model that takes one stays while the switch is on.
          const next: ConversationOptions = {};
          if (!canThink) {
            if (options.think !== undefined) next.think = options.think;
          } else if (!think) next.think = false;
          else if (thinkLevels) next.think = level;
          else next.think = isThinkLevel(options.think) ? options.think : true;
          if (temperature) {
            const t = Number(temperature);
            if (!(t >= 0 && t <= 5))
              return setError('Temperature is a number from 0 (focused) to 2 (creative).');
            next.temperature = t;
          }
          if (ctx) {
            const n = Number(ctx);
            if (!Number.isInteger(n) || n < 16)
              return setError('Context length is a whole number of tokens, 16 or more.');
            next.num_ctx = n;
          }
          setError(null);
          onSave({ system: f.get('system')?.toString() ?? '', options: next });
          onClose();
        }}
      >
        <label>
          System prompt
          <textarea
            name="system"
            rows={5}
            defaultValue={system}
            placeholder="e.g. You are a concise assistant. Answer in English."
          />
        </label>
        <div className="row">
          <label>
            Temperature
            <input
              name="temperature"
              type="number"
              inputMode="decimal"
              min={0}
              max={5}
              step={0.1}
              defaultValue={options.temperature ?? ''}
              placeholder="model default"
            />
          </label>
          <label>
            Context length (tokens)
            <input
              name="num_ctx"
              type="number"
              inputMode="numeric"
              min={16}
              step={1}
              defaultValue={options.num_ctx ?? ''}
              placeholder="model default"
            />
          </label>
        </div>
        {canThink && (
          <label className="switch">
            <input
              name="think"
              type="checkbox"
              role="switch"
              aria-checked={think}
              checked={think}
              onChange={(e) => setThink(e.currentTarget.checked)}
            />
            Think before answering (the model shows its reasoning; off answers sooner)
          </label>
        )}
        {canThink && thinkLevels && (
          <label>
            How hard to think
            <select
              name="think_level"
              value={level}
              disabled={!think}
              onChange={(e) => setLevel(e.currentTarget.value as ThinkLevel)}
            >
              {THINK_LEVELS.map((l) => (
                <option key={l} value={l}>
                  {LEVEL_TEXT[l]}
                </option>
              ))}
            </select>
          </label>
        )}
        {error && (
          <p className="notice error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save settings
          </button>
        </div>
      </form>
    </Dialog>
  );
}
