// The page's side of the chatbot API: JSON requests, and the server-sent events of answers and pulls, read from a
// fetch body (EventSource cannot POST). Errors carry the server's message, written for the user.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type {
  AnswerEvents,
  Conversation,
  ConversationOptions,
  ConversationSummary,
  InfoResponse,
  Message,
  ModelsResponse,
  PullEvents,
  SessionInfo,
  SignupMode,
  StatusResponse,
  UsagePeriod,
  UsageResponse,
  User,
  UserRole,
  UserStatus,
} from '../../src/api.ts';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The CSRF token of this browser's session (GET /api/session gives it): sent with every request that changes something. */
let csrfToken: string | null = null;

/** Fired when the server says nobody is signed in (the session expired or was signed out elsewhere). */
export const SIGNED_OUT = 'ownchat:signed-out';

function headers(method: string, json: boolean): Record<string, string> {
  return {
    ...(json && { 'content-type': 'application/json' }),
    ...(method !== 'GET' && csrfToken && { 'x-csrf-token': csrfToken }),
  };
}

function noticeSignedOut(res: Response, url: string): void {
  if (res.status === 401 && !url.startsWith('/api/session')) window.dispatchEvent(new Event(SIGNED_OUT));
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: headers(method, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('Cannot reach the chatbot server. Is `ownchat` still running?', 0);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    noticeSignedOut(res, url);
    const message = (data as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`;
    throw new ApiError(message, res.status);
  }
  return data as T;
}

/** A usage request for `period`, "today" being the day where this browser is. */
export const usageUrl = (route: string, period: UsagePeriod) =>
  `${route}?period=${period}&tz=${new Date().getTimezoneOffset()}`;

/** Sign-up that must wait for an admin (202). */
export type Pending = { pending: true; message: string };

/** Takes the CSRF token of whoever is now signed in (or of nobody). */
const keep = <T extends SessionInfo | Pending>(info: T): T => {
  if ('csrfToken' in info) csrfToken = info.csrfToken;
  return info;
};

export type ConversationSettings = { model?: string; system?: string; options?: ConversationOptions };

export const api = {
  session: async () => keep(await request<SessionInfo>('GET', '/api/session')),
  signIn: async (username: string, password: string) =>
    keep(await request<SessionInfo>('POST', '/api/session', { username, password })),
  signUp: async (username: string, password: string) =>
    keep(await request<SessionInfo | Pending>('POST', '/api/session/signup', { username, password })),
  signOut: () => request<void>('DELETE', '/api/session'),
  signOutEverywhere: () => request<void>('POST', '/api/session/everywhere', {}),
  users: () => request<{ users: User[]; signup: SignupMode }>('GET', '/api/users'),
  setSignup: (signup: SignupMode) => request<{ signup: SignupMode }>('PUT', '/api/users/signup', { signup }),
  updateUser: (id: number, patch: { role?: UserRole; status?: Exclude<UserStatus, 'pending'> }) =>
    request<User>('PATCH', `/api/users/${id}`, patch),
  resetPassword: (id: number, password: string) =>
    request<void>('POST', `/api/users/${id}/password`, { password }),
  deleteUser: (id: number) => request<void>('DELETE', `/api/users/${id}`),
  info: () => request<InfoResponse>('GET', '/api/info'),
  status: (since?: number) =>
    request<StatusResponse>('GET', `/api/status${since === undefined ? '' : `?since=${since}`}`),
  usage: (period: UsagePeriod) => request<UsageResponse>('GET', usageUrl('/api/usage', period)),
  models: () => request<ModelsResponse>('GET', '/api/models'),
  deleteModel: (name: string) => request<void>('DELETE', `/api/models/${encodeURIComponent(name)}`),
  conversations: (q = '') =>
    request<{ conversations: ConversationSummary[] }>(
      'GET',
      `/api/conversations${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ''}`,
    ),
  conversation: (id: number) =>
    request<{ conversation: Conversation; messages: Message[] }>('GET', `/api/conversations/${id}`),
  createConversation: (s: ConversationSettings) => request<Conversation>('POST', '/api/conversations', s),
  updateConversation: (id: number, patch: ConversationSettings & { title?: string }) =>
    request<Conversation>('PATCH', `/api/conversations/${id}`, patch),
  deleteConversation: (id: number) => request<void>('DELETE', `/api/conversations/${id}`),
  stop: (answerId: number) => request<void>('POST', `/api/messages/${answerId}/stop`, {}),
};

type Handlers<E> = { [K in keyof E]?: (data: E[K]) => void };

/**
 * POSTs `body` to `url` (GETs it when `body` is undefined) and calls a handler per server-sent event until the stream
 * ends. Rejects with ApiError when the request is refused, or when the connection to the chatbot breaks mid-stream.
 */
export async function streamEvents<E extends Record<string, unknown>>(
  url: string,
  body: unknown,
  handlers: Handlers<E>,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    const method = body === undefined ? 'GET' : 'POST';
    res = await fetch(url, {
      method,
      headers: { ...headers(method, body !== undefined), accept: 'text/event-stream' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (signal?.aborted) return;
    throw new ApiError(`Cannot reach the chatbot server (${(e as Error).message}).`, 0);
  }
  if (!res.ok || !res.body) {
    noticeSignedOut(res, url);
    const data = (await res.json().catch(() => undefined)) as { error?: string } | undefined;
    throw new ApiError(data?.error ?? `${res.status} ${res.statusText}`, res.status);
  }
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const handler = handlers[value.event as keyof E];
      if (handler) handler(JSON.parse(value.data));
    }
  } catch (e) {
    if (signal?.aborted) return;
    throw new ApiError(`The connection to the chatbot server broke (${(e as Error).message}).`, 0);
  }
}

/** Asks a question (or re-asks an edited one); `images` are base64, as Ollama's (a new question only). */
export const askQuestion = (
  conversationId: number,
  question: { content: string; edit?: number; images?: string[] },
  handlers: Handlers<AnswerEvents>,
  signal?: AbortSignal,
) =>
  streamEvents<AnswerEvents>(
    `/api/conversations/${conversationId}/messages`,
    {
      content: question.content,
      ...(question.edit !== undefined && { edit: question.edit }),
      ...(question.images?.length && { images: question.images }),
    },
    handlers,
    signal,
  );

export const regenerate = (
  conversationId: number,
  answer: number,
  handlers: Handlers<AnswerEvents>,
  signal?: AbortSignal,
) =>
  streamEvents<AnswerEvents>(`/api/conversations/${conversationId}/regenerate`, { answer }, handlers, signal);

/** Follows an answer being written (by any replica, for a page opened while it streams): what is saved, then the rest. */
export const followAnswer = (answerId: number, handlers: Handlers<AnswerEvents>, signal?: AbortSignal) =>
  streamEvents<AnswerEvents>(`/api/messages/${answerId}/events`, undefined, handlers, signal);

export const pullModel = (model: string, handlers: Handlers<PullEvents>, signal: AbortSignal) =>
  streamEvents<PullEvents>('/api/models/pull', { model }, handlers, signal);
