// The admins' screen: sign-up (open, approval, closed) and every account with what an admin can do to it:
// approve, disable or enable, make or remove an admin, reset the password (local accounts), delete.
import { useCallback, useEffect, useState } from 'react';
import type { AuthMode, SignupMode, User } from '../../../src/api.ts';
import { api } from '../api.ts';
import { ConfirmDialog, Dialog } from './Dialog.tsx';
import { Notice, type NoticeText } from './Notice.tsx';

const STATUS_TEXT: Record<User['status'], string> = {
  active: 'active',
  pending: 'waiting for approval',
  disabled: 'disabled',
};

function UserRow({
  user,
  me,
  mode,
  act,
}: {
  user: User;
  me: boolean;
  mode: AuthMode;
  act: (what: () => Promise<unknown>, done: string) => void;
}) {
  const [resetting, setResetting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const name = user.name;
  return (
    <li>
      <div>
        <strong>{name}</strong>
        {me && <span className="muted">(you)</span>}
        {user.role === 'admin' && <span className="badge">admin</span>}
        <span className={`badge status-${user.status}`}>{STATUS_TEXT[user.status]}</span>
      </div>
      <div className="user-actions">
        {user.status === 'pending' && (
          <button
            type="button"
            className="primary small"
            aria-label={`Approve ${name}`}
            onClick={() => act(() => api.updateUser(user.id, { status: 'active' }), `${name} is approved.`)}
          >
            Approve
          </button>
        )}
        {user.status === 'active' && (
          <button
            type="button"
            className="secondary small"
            aria-label={`Disable ${name}`}
            onClick={() =>
              act(
                () => api.updateUser(user.id, { status: 'disabled' }),
                `${name} is disabled and signed out.`,
              )
            }
          >
            Disable
          </button>
        )}
        {user.status === 'disabled' && (
          <button
            type="button"
            className="secondary small"
            aria-label={`Enable ${name}`}
            onClick={() => act(() => api.updateUser(user.id, { status: 'active' }), `${name} is enabled.`)}
          >
            Enable
          </button>
        )}
        <button
          type="button"
          className="secondary small"
          aria-label={user.role === 'admin' ? `Remove admin from ${name}` : `Make ${name} an admin`}
          onClick={() =>
            act(
              () => api.updateUser(user.id, { role: user.role === 'admin' ? 'user' : 'admin' }),
              user.role === 'admin' ? `${name} is no longer an admin.` : `${name} is now an admin.`,
            )
          }
        >
          {user.role === 'admin' ? 'Remove admin' : 'Make admin'}
        </button>
        {mode === 'local' && (
          <button
            type="button"
            className="secondary small"
            aria-label={`Reset password of ${name}`}
            aria-expanded={resetting}
            onClick={() => setResetting(!resetting)}
          >
            Reset password
          </button>
        )}
        <button
          type="button"
          className="ghost small danger-text"
          aria-label={`Delete ${name}`}
          onClick={() => setConfirming(true)}
        >
          Delete
        </button>
      </div>
      {resetting && (
        <form
          className="row reset-form"
          onSubmit={(e) => {
            e.preventDefault();
            const password = new FormData(e.currentTarget).get('password')?.toString() ?? '';
            act(
              () => api.resetPassword(user.id, password),
              `${name} has a new password and is signed out everywhere.`,
            );
            setResetting(false);
          }}
        >
          <input
            name="password"
            type="password"
            aria-label={`New password for ${name}`}
            autoComplete="new-password"
            minLength={8}
            required
          />
          <button type="submit" className="primary small">
            Set password
          </button>
        </form>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        message={`${name}'s account and all their conversations will be deleted. This cannot be undone.`}
        confirm="Delete user"
        onConfirm={() => act(() => api.deleteUser(user.id), `${name} is deleted.`)}
        onClose={() => setConfirming(false)}
      />
    </li>
  );
}

export function UsersDialog({
  open,
  meId,
  mode,
  onClose,
}: {
  open: boolean;
  meId: number;
  mode: AuthMode;
  onClose: () => void;
}) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [signup, setSignup] = useState<SignupMode>('approval');
  const [message, setMessage] = useState<NoticeText | null>(null);

  /** Reloads the list; false when that failed (its message then says so). */
  const load = useCallback(async () => {
    try {
      const r = await api.users();
      setUsers(r.users);
      setSignup(r.signup);
      return true;
    } catch (e) {
      setMessage({ kind: 'error', text: (e as Error).message });
      return false;
    }
  }, []);

  useEffect(() => {
    if (open) {
      setMessage(null);
      void load();
    }
  }, [open, load]);

  const act = (what: () => Promise<unknown>, done: string) => {
    what()
      .then(
        (): NoticeText => ({ kind: 'ok', text: done }),
        (e: Error): NoticeText => ({ kind: 'error', text: e.message }),
      )
      // The list is reloaded whatever happened (it shows the truth either way), and the message shown once it is:
      // "bob is approved." beside a list that still says he waits would be a lie for a moment.
      .then(async (outcome) => {
        if (await load()) setMessage(outcome);
      });
  };

  return (
    <Dialog open={open} title="Users" onClose={onClose} className="users">
      {mode === 'local' && (
        <label className="signup-mode">
          Sign-up
          <select
            value={signup}
            onChange={(e) => {
              const next = e.target.value as SignupMode;
              api.setSignup(next).then(
                (r) => {
                  setSignup(r.signup);
                  setMessage({ kind: 'ok', text: SIGNUP_DONE[r.signup] });
                },
                (err: Error) => setMessage({ kind: 'error', text: err.message }),
              );
            }}
          >
            <option value="open">Open: anyone may sign up</option>
            <option value="approval">Approval: an admin approves each new account</option>
            <option value="closed">Closed: no new accounts</option>
          </select>
        </label>
      )}
      <Notice message={message} />
      <ul className="model-list user-list" aria-label="Accounts">
        {users?.map((u) => (
          <UserRow key={u.id} user={u} me={u.id === meId} mode={mode} act={act} />
        ))}
      </ul>
    </Dialog>
  );
}

const SIGNUP_DONE: Record<SignupMode, string> = {
  open: 'Sign-up is open: anyone who reaches this chatbot may create an account.',
  approval: 'New accounts now wait for an admin to approve them.',
  closed: 'Sign-up is closed.',
};
