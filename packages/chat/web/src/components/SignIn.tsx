// The sign-in screen (OWNCHAT_AUTH=local): one form for signing in and signing up. On the first visit it says that
// the first account becomes the admin; it says when sign-up is closed or needs an admin's approval, and every
// refusal in the server's words (wrong password, rate limited with when to retry, awaiting approval).
import { useState } from 'react';
import type { SessionInfo } from '../../../src/api.ts';
import { api } from '../api.ts';
import { Notice, type NoticeText } from './Notice.tsx';

export function SignIn({ info, onSignedIn }: { info: SessionInfo; onSignedIn: (s: SessionInfo) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<NoticeText | null>(null);
  const canSignUp = info.firstAccount || info.signup !== 'closed';

  const submit = async (action: 'in' | 'up') => {
    if (!username.trim() || !password) {
      setMessage({ kind: 'error', text: 'Type your username and password first.' });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const r = action === 'in' ? await api.signIn(username, password) : await api.signUp(username, password);
      if ('pending' in r) {
        setMessage({ kind: 'ok', text: r.message });
        setPassword('');
      } else onSignedIn(r);
    } catch (e) {
      const text = (e as Error).message;
      setMessage({
        kind: 'error',
        text: /[.!?]$/.test(text) ? text : `${text[0]?.toUpperCase()}${text.slice(1)}.`,
      });
      // A refused request may have been refused for an old CSRF token: take a fresh one for the next try.
      await api.session().catch(() => undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form
        className="signin-card"
        aria-labelledby="signin-title"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(info.firstAccount ? 'up' : 'in');
        }}
      >
        <div className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>ownchat</span>
        </div>
        <h1 id="signin-title">{info.firstAccount ? 'Create the first account' : 'Sign in'}</h1>
        {info.firstAccount ? (
          <p className="notice">
            No account exists yet. <strong>The first account becomes the admin</strong>: it approves the
            people who sign up after it and decides who may pull and delete models.
          </p>
        ) : info.signup === 'approval' ? (
          <p className="muted">New here? Sign up: an admin approves new accounts before they can sign in.</p>
        ) : info.signup === 'closed' ? (
          <p className="muted">Sign-up is closed on this chatbot: ask an admin for an account.</p>
        ) : null}
        <label htmlFor="signin-username">Username</label>
        <input
          id="signin-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          // biome-ignore lint/a11y/noAutofocus: this screen exists to be typed into
          autoFocus
          maxLength={64}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="signin-password">Password</label>
        <input
          id="signin-password"
          name="password"
          type="password"
          autoComplete={info.firstAccount ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Notice message={message} />
        <div className="signin-actions">
          {!info.firstAccount && (
            <button type="submit" className="primary" disabled={busy}>
              Sign in
            </button>
          )}
          {canSignUp && (
            <button
              type={info.firstAccount ? 'submit' : 'button'}
              className={info.firstAccount ? 'primary' : 'secondary'}
              disabled={busy}
              onClick={(e) => {
                if (info.firstAccount) return;
                e.preventDefault();
                void submit('up');
              }}
            >
              Sign up
            </button>
          )}
        </div>
        <p className="muted small">Passwords have at least 8 characters.</p>
      </form>
    </main>
  );
}
