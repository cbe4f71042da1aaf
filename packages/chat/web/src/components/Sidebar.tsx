// The conversations: New chat, search (titles and text), and each conversation with Rename and Delete.
import { type ReactNode, useState } from 'react';
import type { ConversationSummary } from '../../../src/api.ts';
import { ConfirmDialog } from './Dialog.tsx';

function ConversationItem({
  c,
  current,
  onOpen,
  onRename,
  onDelete,
}: {
  c: ConversationSummary;
  current: boolean;
  onOpen: () => void;
  onRename: (title: string) => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const title = c.title || 'New chat';
  if (editing) {
    return (
      <li className="conv editing">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const value = new FormData(e.currentTarget).get('title')?.toString().trim();
            if (value) onRename(value);
            setEditing(false);
          }}
        >
          <input
            name="title"
            aria-label="Conversation title"
            defaultValue={c.title}
            maxLength={200}
            // biome-ignore lint/a11y/noAutofocus: the user just asked to rename this; the field is where they type
            autoFocus
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.stopPropagation();
                setEditing(false);
              }
            }}
            onBlur={(e) => e.currentTarget.form?.requestSubmit()}
          />
        </form>
      </li>
    );
  }
  return (
    <li className={current ? 'conv current' : 'conv'}>
      <a
        href={`/c/${c.id}`}
        aria-current={current ? 'page' : undefined}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey) return;
          e.preventDefault();
          onOpen();
        }}
      >
        {title}
      </a>
      <span className="conv-actions">
        <button
          type="button"
          className="ghost icon"
          aria-label={`Rename “${title}”`}
          onClick={() => setEditing(true)}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" />
          </svg>
        </button>
        <button
          type="button"
          className="ghost icon"
          aria-label={`Delete “${title}”`}
          onClick={() => setConfirming(true)}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13" />
          </svg>
        </button>
      </span>
      <ConfirmDialog
        open={confirming}
        title="Delete this conversation?"
        message={`“${title}” and all its messages will be deleted. This cannot be undone.`}
        confirm="Delete conversation"
        onConfirm={onDelete}
        onClose={() => setConfirming(false)}
      />
    </li>
  );
}

export function Sidebar({
  conversations,
  currentId,
  search,
  onSearch,
  onNew,
  onOpen,
  onRename,
  onDelete,
  footer,
}: {
  conversations: ConversationSummary[];
  currentId: number | null;
  search: string;
  onSearch: (q: string) => void;
  onNew: () => void;
  onOpen: (id: number) => void;
  onRename: (id: number, title: string) => void;
  onDelete: (id: number) => void;
  /** Who is signed in, and their buttons (none with OWNCHAT_AUTH=off). */
  footer?: ReactNode;
}) {
  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="brand">
        <img src="/favicon.svg" alt="" width="24" height="24" />
        <span>ownchat</span>
      </div>
      <button type="button" className="primary new-chat" onClick={onNew}>
        New chat
      </button>
      <input
        type="search"
        className="search"
        aria-label="Search conversations"
        placeholder="Search conversations"
        value={search}
        onChange={(e) => onSearch(e.target.value)}
      />
      <ul className="conv-list">
        {conversations.map((c) => (
          <ConversationItem
            key={c.id}
            c={c}
            current={c.id === currentId}
            onOpen={() => onOpen(c.id)}
            onRename={(t) => onRename(c.id, t)}
            onDelete={() => onDelete(c.id)}
          />
        ))}
      </ul>
      {conversations.length === 0 && (
        <p className="muted empty-list">
          {search.trim() ? 'No conversation matches.' : 'No conversations yet.'}
        </p>
      )}
      {footer}
    </nav>
  );
}
