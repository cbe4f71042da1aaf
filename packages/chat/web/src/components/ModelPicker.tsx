// The model a conversation uses: the models on the llm-manager with their size and quantization, and where a
// loaded one runs. The last entry opens the model manager, to pull a model that is not here yet.
import type { ModelEntry } from '../../../src/api.ts';
import { sameModel } from '../../../src/shared/modelNames.ts';
import { formatBytes } from '../format.ts';

const PULL = '\u0000pull';

export function modelSummary(m: ModelEntry): string {
  return [m.family, m.parameterSize, m.quantization, formatBytes(m.size)].filter(Boolean).join(' · ');
}

export function ModelPicker({
  value,
  defaultModel,
  models,
  disabled,
  canManage = true,
  onChange,
  onManage,
}: {
  value: string;
  /** OWNCHAT_DEFAULT_MODEL: the one model a first message pulls by itself. */
  defaultModel: string;
  models: ModelEntry[] | null;
  disabled?: boolean;
  /** Admins (and the one user without accounts) pull and delete; everyone else only sees the list. */
  canManage?: boolean;
  onChange: (model: string) => void;
  onManage: () => void;
}) {
  const known = models?.find((m) => sameModel(m.name, value));
  const selected = known?.name ?? value;
  return (
    <div className="model-picker">
      <select
        aria-label="Model"
        aria-describedby="model-details"
        value={selected}
        disabled={disabled}
        onChange={(e) => (e.target.value === PULL ? onManage() : onChange(e.target.value))}
      >
        {!known && value && <option value={value}>{`${value} (not downloaded yet)`}</option>}
        {models?.map((m) => (
          <option key={m.name} value={m.name}>
            {`${m.name} · ${formatBytes(m.size)}${m.loaded ? ` · on ${m.loaded.placement.text}` : ''}`}
          </option>
        ))}
        <option value={PULL}>{canManage ? 'Pull or delete models…' : 'About the models…'}</option>
      </select>
      <span id="model-details" className="model-details muted">
        {known ? (
          <>
            {modelSummary(known)}
            {known.loaded && (
              <span className={`badge ${known.loaded.placement.kind}`}>{known.loaded.placement.text}</span>
            )}
          </>
        ) : models && value ? (
          sameModel(value, defaultModel) ? (
            'Not on the llm-manager yet: it is pulled with your first message'
          ) : canManage ? (
            'Not on the llm-manager: pull it from the last entry of this menu'
          ) : (
            'Not on the llm-manager: ask an admin to pull it'
          )
        ) : (
          ''
        )}
      </span>
    </div>
  );
}
