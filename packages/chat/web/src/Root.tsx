// Who is using the page decides what it shows: the chat, the admins' status page (/status), or (OWNCHAT_AUTH=local, nobody signed in) the sign-in
// screen. A session that ends while the page is open (expired, signed out elsewhere, disabled) brings the
// sign-in screen back.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { SessionInfo } from '../../src/api.ts';
import { App } from './App.tsx';
import { api, SIGNED_OUT } from './api.ts';
import { SignIn } from './components/SignIn.tsx';

// Only admins open it: the charting library loads with it, not with the chat.
const StatusPage = lazy(() => import('./status/StatusPage.tsx').then((m) => ({ default: m.StatusPage })));

export function Root() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSession(await api.session());
      setProblem(null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  }, []);

  useEffect(() => {
    void load();
    const onSignedOut = () => void load();
    window.addEventListener(SIGNED_OUT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT, onSignedOut);
  }, [load]);

  if (problem) {
    return (
      <main className="signin">
        <div className="signin-card">
          <p className="notice error" role="alert">
            {problem}
          </p>
          <button type="button" className="secondary" onClick={() => void load()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (!session) return null;
  if (!session.user && session.mode === 'header') {
    return (
      <main className="signin">
        <div className="signin-card">
          <p className="notice error" role="alert">
            This chatbot signs people in through the sign-in proxy in front of it, and this page did not come
            through it. Open the chatbot at the address your organisation gave you.
          </p>
        </div>
      </main>
    );
  }
  if (!session.user) {
    return (
      <SignIn
        info={session}
        onSignedIn={(s) => {
          // Someone else's conversation address means nothing to this user: start at a new chat.
          history.replaceState(null, '', '/');
          setSession(s);
        }}
      />
    );
  }
  if (location.pathname === '/status') {
    if (session.user.role === 'admin') {
      return (
        <Suspense fallback={null}>
          <StatusPage session={session} />
        </Suspense>
      );
    }
    return (
      <main className="signin">
        <div className="signin-card">
          <p className="notice error" role="alert">
            Only an admin can see the status page.
          </p>
          <a href="/" className="button-link">
            Back to the chat
          </a>
        </div>
      </main>
    );
  }
  return (
    <App
      key={session.user.id}
      session={session}
      onSignedOut={async () => {
        history.replaceState(null, '', '/');
        await load();
      }}
    />
  );
}
