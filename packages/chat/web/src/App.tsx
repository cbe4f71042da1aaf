// The chat page: conversations on the left (a drawer on a phone), the open conversation, and the message box.
// The address (/c/12) names the open conversation, so reload and the back button keep it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConversationSummary, InfoResponse, ModelsResponse, SessionInfo } from '../../src/api.ts';
import { cannotReadImages } from '../../src/shared/images.ts';
import { sameModel } from '../../src/shared/modelNames.ts';
import { api } from './api.ts';
import { AccountMenu } from './components/AccountMenu.tsx';
import { Composer } from './components/Composer.tsx';
import { ConversationLog } from './components/ConversationLog.tsx';
import { ModelPicker } from './components/ModelPicker.tsx';
import { ModelsDialog } from './components/ModelsDialog.tsx';
import { SettingsDialog } from './components/SettingsDialog.tsx';
import { Sidebar } from './components/Sidebar.tsx';
import { UsersDialog } from './components/UsersDialog.tsx';
import { useChat } from './useChat.ts';

const idFromPath = () => {
  const m = /^\/c\/(\d+)$/.exec(location.pathname);
  return m ? Number(m[1]) : null;
};

export function App({ session, onSignedOut }: { session: SessionInfo; onSignedOut: () => Promise<void> }) {
  const isAdmin = session.user?.role === 'admin';
  const [info, setInfo] = useState<InfoResponse | null>(null);
  const [models, setModels] = useState<ModelsResponse | null>(null);
  const [upstreamProblem, setUpstreamProblem] = useState<string | null>(null);
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [search, setSearch] = useState('');
  const [drawer, setDrawer] = useState(false);
  const [dialog, setDialog] = useState<'models' | 'settings' | 'users' | null>(null);

  const refreshModels = useCallback(async () => {
    try {
      setModels(await api.models());
      setUpstreamProblem(null);
    } catch (e) {
      setUpstreamProblem((e as Error).message);
    }
  }, []);

  const refreshList = useCallback(async (q: string) => {
    try {
      setConversations((await api.conversations(q)).conversations);
    } catch {
      // The list is refreshed again after the next change; the open conversation shows any real problem.
    }
  }, []);

  const searchRef = useRef(search);
  searchRef.current = search;
  const changed = useCallback(() => {
    void refreshList(searchRef.current);
    void refreshModels();
  }, [refreshList, refreshModels]);

  const defaultModel = info?.defaultModel ?? models?.defaultModel ?? '';
  const chat = useChat(defaultModel, changed);
  const { state } = chat;
  const current = state.conversation;
  const model = current?.model ?? state.draft.model;
  const entry = models?.models.find((m) => sameModel(m.name, model));
  const canThink = !!entry?.capabilities.includes('thinking');
  // Until the models are listed, the attach button is not turned off for a model that may well read images.
  const readsImages = !entry || entry.capabilities.includes('vision');
  const earlierImages = state.messages.some((m) => m.images.length > 0);
  const open = chat.open;

  useEffect(() => {
    api.info().then(setInfo, (e: Error) => setUpstreamProblem(e.message));
    void refreshModels();
    void open(idFromPath());
    const onPop = () => void open(idFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, [refreshModels, open]);

  useEffect(() => {
    const t = setTimeout(() => void refreshList(search), 150);
    return () => clearTimeout(t);
  }, [search, refreshList]);

  // Esc stops the answer being written, wherever the focus is (dialogs handle their own Esc first).
  const { stop } = chat;
  const streaming = state.streaming !== null;
  useEffect(() => {
    if (!streaming) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.querySelector('dialog[open]')) void stop();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [streaming, stop]);

  const go = (id: number | null) => {
    history.pushState(null, '', id === null ? '/' : `/c/${id}`);
    setDrawer(false);
    void open(id);
  };

  const title = current?.title || 'New chat';
  useEffect(() => {
    document.title = current?.title ? `${current.title} · ownchat` : 'ownchat';
  }, [current?.title]);

  return (
    <div className={drawer ? 'app drawer-open' : 'app'}>
      <Sidebar
        conversations={conversations}
        currentId={current?.id ?? null}
        search={search}
        onSearch={setSearch}
        onNew={() => go(null)}
        onOpen={go}
        onRename={async (id, t) => {
          await api.updateConversation(id, { title: t }).catch(() => undefined);
          if (id === current?.id) void open(id);
          changed();
        }}
        onDelete={async (id) => {
          await api.deleteConversation(id).catch(() => undefined);
          if (id === current?.id) go(null);
          changed();
        }}
        footer={
          session.mode === 'off' ? (
            // The one user of OWNCHAT_AUTH=off is the admin.
            <nav className="account" aria-label="Admin">
              <a href="/status" className="button-link">
                Status
              </a>
            </nav>
          ) : (
            <AccountMenu session={session} onUsers={() => setDialog('users')} onSignedOut={onSignedOut} />
          )
        }
      />
      <button
        type="button"
        className="scrim"
        aria-label="Close conversations"
        tabIndex={-1}
        onClick={() => setDrawer(false)}
      />
      <main className="main">
        <header className="topbar">
          <button
            type="button"
            className="ghost icon menu"
            aria-label="Conversations"
            aria-expanded={drawer}
            onClick={() => setDrawer(!drawer)}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M4 6h16M4 12h16M4 18h16" />
            </svg>
          </button>
          <h1 className="title">{title}</h1>
          <ModelPicker
            value={model}
            defaultModel={defaultModel}
            models={models?.models ?? null}
            disabled={streaming}
            onChange={(m) => void chat.updateSettings({ model: m })}
            canManage={isAdmin}
            onManage={() => setDialog('models')}
          />
          <button
            type="button"
            className="ghost icon"
            aria-label="Conversation settings"
            onClick={() => setDialog('settings')}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M4 7h10M18 7h2M4 17h4M12 17h8" />
              <circle cx="16" cy="7" r="2" />
              <circle cx="10" cy="17" r="2" />
            </svg>
          </button>
        </header>
        {upstreamProblem && (
          <div className="banner" role="alert">
            <p>{upstreamProblem}</p>
            <button type="button" className="secondary small" onClick={() => void refreshModels()}>
              Try again
            </button>
          </div>
        )}
        {state.problem && (
          <div className="banner" role="alert">
            <p>{state.problem}</p>
          </div>
        )}
        <ConversationLog
          messages={state.messages}
          streaming={state.streaming}
          empty={
            <div className="empty">
              <h2>What can I help with?</h2>
              <p className="muted">
                You are chatting with <strong>{model || '…'}</strong> on your own llm-manager.{' '}
                {session.mode === 'off'
                  ? 'Conversations stay on this machine.'
                  : 'Your conversations are yours: no other user of this chatbot can open them.'}
              </p>
            </div>
          }
          onEdit={(id, content) => void chat.ask(content, id)}
          onRegenerate={(id) => void chat.redo(id)}
        />
        <Composer
          model={model}
          streaming={streaming}
          disabled={state.loading}
          images={{ readsImages, maxBytes: info?.imageMaxBytes ?? 10_000_000 }}
          onSend={(t, images) =>
            chat.ask(
              t,
              undefined,
              images.map((i) => i.base64),
            )
          }
          onStop={() => void stop()}
        />
        <p className="footnote muted">
          Enter sends · Shift+Enter for a new line · Esc stops
          {readsImages ? (
            ' · paste or drop images'
          ) : (
            <span className="no-images">
              {' · '}
              {cannotReadImages(model)}
              {earlierImages ? ': the images earlier in this conversation are not sent to it' : ''}
            </span>
          )}
          {info ? ` · llm-manager ${info.upstream}` : ''}
        </p>
      </main>
      <ModelsDialog
        open={dialog === 'models'}
        canManage={isAdmin}
        models={models?.models ?? null}
        onClose={() => setDialog(null)}
        onChanged={() => void refreshModels()}
        onDelete={async (name) => {
          await api.deleteModel(name);
          await refreshModels();
        }}
      />
      <SettingsDialog
        key={`${current?.id ?? 'draft'}-${dialog}`}
        open={dialog === 'settings'}
        system={current?.system ?? state.draft.system}
        options={current?.options ?? state.draft.options}
        canThink={canThink}
        thinkLevels={!!entry?.thinkLevels}
        onClose={() => setDialog(null)}
        onSave={(s) => void chat.updateSettings(s)}
      />
      {isAdmin && session.mode !== 'off' && (
        <UsersDialog
          open={dialog === 'users'}
          meId={session.user!.id}
          mode={session.mode}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
