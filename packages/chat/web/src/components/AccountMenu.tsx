// The foot of the conversation list: who is signed in, the admins' Users screen and status page, Sign out and Sign out everywhere
// (every browser and device this account is signed in on). Behind a sign-in proxy (OWNCHAT_AUTH=header) the proxy
// signs people out, so there are no such buttons.
import { useState } from 'react';
import type { SessionInfo } from '../../../src/api.ts';
import { api } from '../api.ts';
import { ConfirmDialog } from './Dialog.tsx';

export function AccountMenu({
  session,
  onUsers,
  onSignedOut,
}: {
  session: SessionInfo;
  onUsers: () => void;
  onSignedOut: () => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const user = session.user!;
  const leave = (how: () => Promise<void>) => how().then(onSignedOut, (e: Error) => setProblem(e.message));
  return (
    <section className="account" aria-label="Account">
      <p className="account-name">
        <span className="muted">Signed in as</span> <strong>{user.name}</strong>
        {user.role === 'admin' && <span className="badge">admin</span>}
      </p>
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      <div className="account-actions">
        {user.role === 'admin' && (
          <>
            <button type="button" className="secondary small" onClick={onUsers}>
              Users
            </button>
            <a href="/status" className="button-link">
              Status
            </a>
          </>
        )}
        {session.mode === 'local' && (
          <>
            <button type="button" className="secondary small" onClick={() => void leave(api.signOut)}>
              Sign out
            </button>
            <button type="button" className="ghost small" onClick={() => setConfirming(true)}>
              Sign out everywhere
            </button>
          </>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title="Sign out everywhere?"
        message={`Every browser and device signed in as ${user.name} is signed out, this one too.`}
        confirm="Sign out everywhere"
        onConfirm={() => void leave(api.signOutEverywhere)}
        onClose={() => setConfirming(false)}
      />
    </section>
  );
}
