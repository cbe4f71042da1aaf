// The open conversation and the answer being written: loading a conversation, asking, editing, regenerating,
// stopping. A new chat is a draft until its first question, so no empty conversations pile up. An answer goes on
// being written when its page leaves (answers.ts), so a conversation opened while its last answer streams follows
// it (GET /api/messages/:id/events) and shows the rest live.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnswerEvents, Conversation, Message, PullProgress, Waiting } from '../../src/api.ts';
import {
  type ApiError,
  api,
  askQuestion,
  type ConversationSettings,
  followAnswer,
  regenerate,
} from './api.ts';

export type Draft = Required<Pick<Conversation, 'model' | 'system' | 'options'>>;

export type Streaming = {
  conversationId: number;
  /** Known once the server has stored the answer (the first event). */
  answerId?: number;
  waiting?: Waiting;
  waitingSince: number;
  pull?: PullProgress;
  abort: AbortController;
  /** When the model began to think (its first reasoning arrived), and how long it thought once it answered. */
  thinkingSince?: number;
  thoughtMs?: number;
  /** Stop was asked for before the server said which answer this is: it is stopped as soon as it does. */
  control: { stopRequested: boolean };
  /** Following an answer this page did not ask for (opened mid-answer): opening another conversation leaves it. */
  following?: boolean;
};

export type ChatState = {
  conversation: Conversation | null;
  draft: Draft;
  messages: Message[];
  streaming: Streaming | null;
  loading: boolean;
  /** A problem that is not about one answer (a conversation that would not load, a refused request). */
  problem: string | null;
};

export function useChat(defaultModel: string, onChanged: () => void) {
  const [state, setState] = useState<ChatState>({
    conversation: null,
    draft: { model: defaultModel, system: '', options: {} },
    messages: [],
    streaming: null,
    loading: false,
    problem: null,
  });
  const stateRef = useRef(state);
  stateRef.current = state;
  const defaultRef = useRef(defaultModel);
  defaultRef.current = defaultModel;

  useEffect(() => {
    setState((s) =>
      s.conversation || s.messages.length ? s : { ...s, draft: { ...s.draft, model: defaultModel } },
    );
  }, [defaultModel]);

  const open = useCallback(async (id: number | null) => {
    const st = stateRef.current.streaming;
    if (st?.following) st.abort.abort();
    if (id === null) {
      setState((s) => ({
        ...s,
        conversation: null,
        messages: [],
        problem: null,
        // A new chat starts from OWNCHAT_DEFAULT_MODEL, whatever the last one used.
        draft: { model: defaultRef.current || s.draft.model, system: '', options: {} },
      }));
      return;
    }
    setState((s) => ({ ...s, loading: true, problem: null }));
    try {
      const { conversation, messages } = await api.conversation(id);
      setState((s) => ({ ...s, conversation, messages, loading: false }));
      const last = messages.at(-1);
      if (last?.role === 'assistant' && last.status === 'streaming' && !stateRef.current.streaming) {
        void runRef.current(id, (h, signal) => followAnswer(last.id, h, signal), last.id);
      }
    } catch (e) {
      setState((s) => ({
        ...s,
        conversation: null,
        messages: [],
        loading: false,
        problem: (e as Error).message,
      }));
    }
  }, []);

  const patchMessage = useCallback(
    (id: number, update: (m: Message) => Message) =>
      setState((s) => ({ ...s, messages: s.messages.map((m) => (m.id === id ? update(m) : m)) })),
    [],
  );

  /**
   * Runs one answer stream, keeping the page's copy of the conversation in step with the server's. `followed` is
   * the answer when the stream follows one already stored (it sends no start event).
   */
  const run = useCallback(
    async (
      conversationId: number,
      start: (h: Partial<Handlers>, signal: AbortSignal) => Promise<void>,
      followed?: number,
    ): Promise<boolean> => {
      const abort = new AbortController();
      const control = { stopRequested: false };
      const following = followed !== undefined;
      setState((s) => ({
        ...s,
        problem: null,
        streaming: {
          conversationId,
          abort,
          control,
          waitingSince: Date.now(),
          answerId: followed,
          following,
        },
      }));
      let answerId = followed;
      // A follower's first token and thinking carry all that is saved: they replace the page's copy (read a moment
      // before, maybe shorter) rather than add to it.
      const fresh = { content: following, thinking: following };
      const grow = (key: keyof typeof fresh, text: string) => {
        const replace = fresh[key];
        fresh[key] = false;
        return (kept: string | null) => (replace ? text : (kept ?? '') + text);
      };
      // The first token or tool call: the wait is over, and so is any thinking (the page folds it).
      const answerBegan = () =>
        setState((s) =>
          s.streaming && (s.streaming.waiting || (s.streaming.thinkingSince && !s.streaming.thoughtMs))
            ? {
                ...s,
                streaming: {
                  ...s.streaming,
                  waiting: undefined,
                  pull: undefined,
                  thoughtMs: s.streaming.thinkingSince && Date.now() - s.streaming.thinkingSince,
                },
              }
            : s,
        );
      const handlers: Partial<Handlers> = {
        start: ({ conversation, keepBefore, question, answer }) => {
          answerId = answer.id;
          if (control.stopRequested) api.stop(answer.id).catch(() => abort.abort());
          setState((s) => ({
            ...s,
            conversation: s.conversation?.id === conversation.id ? conversation : s.conversation,
            messages: [
              ...s.messages.filter((m) => m.id < keepBefore),
              ...(question ? [question] : []),
              answer,
            ],
            streaming: s.streaming && { ...s.streaming, answerId: answer.id },
          }));
          onChanged();
        },
        waiting: (waiting) =>
          setState((s) => ({
            ...s,
            streaming: s.streaming && {
              ...s.streaming,
              waiting,
              waitingSince:
                s.streaming.waiting?.reason === waiting.reason ? s.streaming.waitingSince : Date.now(),
            },
          })),
        pull: (pull) => setState((s) => ({ ...s, streaming: s.streaming && { ...s.streaming, pull } })),
        token: ({ text }) => {
          if (answerId !== undefined) {
            const content = grow('content', text);
            patchMessage(answerId, (m) => ({ ...m, content: content(m.content) }));
          }
          answerBegan();
        },
        thinking: ({ text }) => {
          if (answerId !== undefined) {
            const thinking = grow('thinking', text);
            patchMessage(answerId, (m) => ({ ...m, thinking: thinking(m.thinking) }));
          }
          setState((s) =>
            s.streaming
              ? {
                  ...s,
                  streaming: {
                    ...s.streaming,
                    waiting: undefined,
                    pull: undefined,
                    thinkingSince: s.streaming.thinkingSince ?? Date.now(),
                  },
                }
              : s,
          );
        },
        toolCalls: ({ calls }) => {
          if (answerId !== undefined) patchMessage(answerId, (m) => ({ ...m, toolCalls: calls }));
          answerBegan();
        },
        done: ({ answer }) => patchMessage(answer.id, () => answer),
        error: ({ answer }) => patchMessage(answer.id, () => answer),
      };
      try {
        await start(handlers, abort.signal);
      } catch (e) {
        const message = (e as Error).message;
        if (answerId !== undefined) {
          // The chatbot server itself went away mid-answer: what arrived stays, marked.
          patchMessage(answerId, (m) => ({ ...m, status: 'error', error: message }));
        } else {
          setState((s) => ({ ...s, problem: message }));
        }
      } finally {
        // Only this stream's own state: a follow left for another conversation may end after the next one began.
        setState((s) => (s.streaming?.abort === abort ? { ...s, streaming: null } : s));
        onChanged();
      }
      return answerId !== undefined;
    },
    [onChanged, patchMessage],
  );
  // open() is declared first (the page's first render opens a conversation) and reaches run through this.
  const runRef = useRef(run);
  runRef.current = run;

  /**
   * Asks a question (or re-asks an edited one), with images (base64) for a new one; false when it could not even
   * start (the page says why).
   */
  const ask = useCallback(
    async (content: string, edit?: number, images: string[] = []): Promise<boolean> => {
      const s = stateRef.current;
      if (s.streaming || !content.trim()) return false;
      let conversation = s.conversation;
      if (!conversation) {
        try {
          conversation = await api.createConversation(s.draft);
        } catch (e) {
          setState((x) => ({ ...x, problem: (e as ApiError).message }));
          return false;
        }
        const created = conversation;
        setState((x) => ({ ...x, conversation: created }));
        history.pushState(null, '', `/c/${created.id}`);
      }
      const id = conversation.id;
      if (edit === undefined) {
        // Show the question at once; the server's row replaces it when the stream starts.
        const now = Date.now();
        const pending: Message = {
          id: Number.MAX_SAFE_INTEGER,
          conversationId: id,
          role: 'user',
          content,
          status: 'done',
          error: null,
          stats: null,
          model: null,
          thinking: null,
          toolCalls: null,
          // Its images show once the server has stored them (the start event, a moment later).
          images: [],
          createdAt: now,
          updatedAt: now,
        };
        setState((x) => ({ ...x, messages: [...x.messages, pending] }));
      }
      const started = await run(id, (h, signal) => askQuestion(id, { content, edit, images }, h, signal));
      setState((x) => ({ ...x, messages: x.messages.filter((m) => m.id !== Number.MAX_SAFE_INTEGER) }));
      return started;
    },
    [run],
  );

  const redo = useCallback(
    async (answerId: number) => {
      const c = stateRef.current.conversation;
      if (!c || stateRef.current.streaming) return;
      await run(c.id, (h, signal) => regenerate(c.id, answerId, h, signal));
    },
    [run],
  );

  const stop = useCallback(async () => {
    const st = stateRef.current.streaming;
    if (!st) return;
    if (st.answerId === undefined) {
      // Closing the stream now would leave the page without the answer's final state: stop it once it is known.
      st.control.stopRequested = true;
      return;
    }
    try {
      await api.stop(st.answerId);
    } catch (e) {
      // Already finished: nothing to stop. Anything else is said: closing the stream would not stop the answer.
      if ((e as ApiError).status !== 404) setState((s) => ({ ...s, problem: (e as Error).message }));
    }
  }, []);

  const updateSettings = useCallback(
    async (patch: ConversationSettings) => {
      const c = stateRef.current.conversation;
      if (!c) {
        setState((s) => ({ ...s, draft: { ...s.draft, ...patch } as Draft }));
        return;
      }
      try {
        const conversation = await api.updateConversation(c.id, patch);
        setState((s) => ({ ...s, conversation }));
        onChanged();
      } catch (e) {
        setState((s) => ({ ...s, problem: (e as Error).message }));
      }
    },
    [onChanged],
  );

  return { state, open, ask, redo, stop, updateSettings };
}

type Handlers = { [K in keyof AnswerEvents]: (data: AnswerEvents[K]) => void };
