// Model manager: pull a model by name with one honest progress bar and Cancel; see every local model with its
// details and where the loaded ones run; delete one after confirming.
import { useRef, useState } from 'react';
import type { ModelEntry, PullProgress } from '../../../src/api.ts';
import { pullModel } from '../api.ts';
import { ConfirmDialog, Dialog } from './Dialog.tsx';
import { modelSummary } from './ModelPicker.tsx';
import { Notice, type NoticeText } from './Notice.tsx';
import { PullProgressBar } from './PullProgressBar.tsx';

export function ModelsDialog({
  open,
  canManage,
  models,
  onClose,
  onChanged,
  onDelete,
}: {
  open: boolean;
  /** Only admins pull and delete models; everyone else sees what is there. */
  canManage: boolean;
  models: ModelEntry[] | null;
  onClose: () => void;
  onChanged: () => void;
  onDelete: (name: string) => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [pulling, setPulling] = useState<{ model: string; progress: PullProgress } | null>(null);
  const [message, setMessage] = useState<NoticeText | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  const pull = async (model: string) => {
    const ac = new AbortController();
    abort.current = ac;
    setMessage(null);
    setPulling({ model, progress: { status: 'pulling manifest', completed: 0, total: 0 } });
    let failed: string | null = null;
    let finished = false;
    try {
      await pullModel(
        model,
        {
          progress: (progress) => setPulling({ model, progress }),
          done: () => {
            finished = true;
          },
          error: ({ error }) => {
            failed = error;
          },
        },
        ac.signal,
      );
    } catch (e) {
      failed = (e as Error).message;
    }
    setPulling(null);
    abort.current = null;
    if (ac.signal.aborted) setMessage({ kind: 'ok', text: `Pull of ${model} cancelled.` });
    else if (failed) setMessage({ kind: 'error', text: failed });
    else if (finished) {
      setMessage({ kind: 'ok', text: `${model} is ready.` });
      setName('');
    }
    onChanged();
  };

  return (
    <Dialog open={open} title="Models" onClose={onClose} className="models">
      {!canManage && (
        <p className="notice">Only an admin can pull or delete models: ask one for a model you miss.</p>
      )}
      {canManage && (
        <form
          className="pull-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim() && !pulling) void pull(name.trim());
          }}
        >
          <label htmlFor="pull-name">Pull a model</label>
          <div className="row">
            <input
              id="pull-name"
              aria-label="Model to pull"
              placeholder="e.g. qwen2.5:0.5b, hf.co/user/repo:Q4_K_M, http://my-registry:5000/team/model"
              value={name}
              onChange={(e) => setName(e.target.value)}
              disabled={!!pulling}
              autoComplete="off"
              spellCheck={false}
            />
            {pulling ? (
              // Its own element (key), and no default action: when Cancel ends the pull at once, React would otherwise
              // turn this very button back into the submit button before the click's default action, and pull again.
              <button
                key="cancel"
                type="button"
                className="secondary"
                onClick={(e) => {
                  e.preventDefault();
                  abort.current?.abort();
                }}
              >
                Cancel
              </button>
            ) : (
              <button key="pull" type="submit" className="primary" disabled={!name.trim()}>
                Pull
              </button>
            )}
          </div>
        </form>
      )}
      {pulling && <PullProgressBar model={pulling.model} progress={pulling.progress} />}
      <Notice message={message} />
      <h3>On the llm-manager</h3>
      {models && models.length === 0 && (
        <p className="muted">{canManage ? 'No models yet: pull one above.' : 'No models yet.'}</p>
      )}
      <ul className="model-list">
        {models?.map((m) => (
          <li key={m.name}>
            <div>
              <strong>{m.name}</strong>
              <span className="muted">{modelSummary(m)}</span>
              {m.loaded && (
                <span className={`badge ${m.loaded.placement.kind}`}>loaded · {m.loaded.placement.text}</span>
              )}
            </div>
            {canManage && (
              <button
                type="button"
                className="ghost danger-text"
                aria-label={`Delete ${m.name}`}
                onClick={() => setConfirm(m.name)}
              >
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={confirm !== null}
        title="Delete this model?"
        message={`${confirm} will be removed from the llm-manager. Conversations that use it keep their messages; pull it again to use it.`}
        confirm="Delete model"
        onConfirm={() => {
          const target = confirm;
          if (target)
            onDelete(target).then(
              () => setMessage({ kind: 'ok', text: `${target} deleted.` }),
              (e: Error) => setMessage({ kind: 'error', text: e.message }),
            );
        }}
        onClose={() => setConfirm(null)}
      />
    </Dialog>
  );
}
