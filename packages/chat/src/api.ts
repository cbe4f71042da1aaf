// The chatbot's own HTTP API between its server and the browser app: the shapes both sides share. (Ollama's wire
// types come from the `ollama` package; these are ours.)

export type Role = 'user' | 'assistant';

/**
 * done: complete. streaming: tokens are still arriving. stopped: the user pressed Stop. error: cut off or
 * failed; `error` says why, in words for the user, and whatever text had arrived is kept.
 */
export type MessageStatus = 'done' | 'streaming' | 'stopped' | 'error';

/** Where a model ran, from the llm-manager's /api/ps: all on the GPU, all on the CPU, or split between them. */
export type Placement = { kind: 'gpu' | 'cpu' | 'split'; gpuPercent: number; text: string };

export type AnswerStats = {
  /** Generated tokens per second (eval_count / eval_duration). */
  tokensPerSecond?: number;
  /** From sending the question to the first token arriving at the chatbot, in ms. */
  timeToFirstTokenMs?: number;
  evalCount?: number;
  promptEvalCount?: number;
  /** Time the llm-manager spent loading the model for this answer, in ms. */
  loadMs?: number;
  doneReason?: string;
  placement?: Placement;
  /** How long a thinking model thought: from its first reasoning to its first answer token (or tool call), in ms. */
  thinkingMs?: number;
  /**
   * Images earlier in the conversation that were not sent with it: its model (changed since they were attached)
   * cannot read images. The page says so under the answer.
   */
  imagesNotSent?: number;
};

/** An image attached to a question; its bytes are at GET /api/images/:id (imageUrl). */
export type ImageRef = { id: number; type: string; bytes: number };

export const imageUrl = (id: number) => `/api/images/${id}`;

/** A tool call a model made, as Ollama's /api/chat returns it: the function's name and its arguments. */
export type AnswerToolCall = { name: string; arguments: Record<string, unknown> };

export type Message = {
  id: number;
  conversationId: number;
  role: Role;
  content: string;
  status: MessageStatus;
  error: string | null;
  stats: AnswerStats | null;
  /** The model that wrote an answer. */
  model: string | null;
  /** What a thinking model reasoned before its answer (Ollama's `message.thinking`); null when it did not think. */
  thinking: string | null;
  /** The tools an answer called (Ollama's `message.tool_calls`); null when it called none. */
  toolCalls: AnswerToolCall[] | null;
  /** The images a question carries, in order; empty for answers and questions without. */
  images: ImageRef[];
  createdAt: number;
  updatedAt: number;
};

/**
 * Ollama options a conversation keeps; unset means the model's own default. `think` is sent as /api/chat's
 * `think` (not an option in Ollama's sense, but a setting of the conversation all the same): false, true, or for
 * a model whose thinking takes levels (shared/thinkLevels.ts) the level.
 */
export type ConversationOptions = {
  temperature?: number;
  num_ctx?: number;
  think?: boolean | 'low' | 'medium' | 'high';
};

export type Conversation = {
  id: number;
  title: string;
  model: string;
  system: string;
  options: ConversationOptions;
  createdAt: number;
  updatedAt: number;
};

export type ConversationSummary = Pick<Conversation, 'id' | 'title' | 'model' | 'updatedAt'>;

export type ModelEntry = {
  name: string;
  size: number;
  family: string;
  parameterSize: string;
  quantization: string;
  modifiedAt: string;
  /** What the model can do, as Ollama says (`completion`, `tools`, `thinking`, …); empty when it could not be read. */
  capabilities: string[];
  /** Its thinking takes a level (low, medium, high), not just on or off: gpt-oss (shared/thinkLevels.ts). */
  thinkLevels: boolean;
  /** Set when the model is loaded in the llm-manager now. */
  loaded: { placement: Placement; sizeVram: number; contextLength?: number; expiresAt: string } | null;
};

export type ModelsResponse = { models: ModelEntry[]; defaultModel: string; upstream: string };

export type InfoResponse = {
  version: string;
  defaultModel: string;
  upstream: string;
  /** The largest image a question may carry (OWNCHAT_IMAGE_MAX_MB), in bytes. */
  imageMaxBytes: number;
};

/** Pull progress with every layer summed: what a progress bar shows. */
export type PullProgress = {
  status: string;
  completed: number;
  total: number;
  /** Bytes per second over the last few seconds; undefined until it can be measured. */
  bytesPerSecond?: number;
  /** Undefined while the speed is unknown. */
  secondsLeft?: number;
};

/** Why an answer has not started yet: not an error, something that takes time. */
export type Waiting = { reason: 'loading' | 'queued' | 'pulling'; model: string };

/** The server-sent events of an answer, by event name. */
export type AnswerEvents = {
  /**
   * First: the rows as stored. The conversation is now its messages with ids below `keepBefore`, then the
   * question (new or edited; null when an answer is regenerated), then the answer about to stream.
   */
  start: { conversation: Conversation; keepBefore: number; question: Message | null; answer: Message };
  waiting: Waiting;
  pull: PullProgress;
  token: { text: string };
  /** Reasoning text of a thinking model, streamed before (and apart from) its answer's tokens. */
  thinking: { text: string };
  /** The tool calls the model made so far (all of them, each time one arrives). */
  toolCalls: { calls: AnswerToolCall[] };
  /** Last, when the answer is complete or stopped. */
  done: { answer: Message };
  /** Last, when the answer failed; the message carries the partial text and the error. */
  error: { answer: Message };
};

export type PullEvents = { progress: PullProgress; done: Record<string, never>; error: { error: string } };

/** OWNCHAT_AUTH: off (no sign-in), local (accounts with passwords) or header (a trusted proxy names the user). */
export type AuthMode = 'off' | 'local' | 'header';
export type UserRole = 'admin' | 'user';
/** pending: signed up and waiting for an admin to approve; disabled: may not sign in. */
export type UserStatus = 'active' | 'pending' | 'disabled';
/** open: anyone may sign up; approval: an admin approves each new account; closed: no new accounts. */
export type SignupMode = 'open' | 'approval' | 'closed';

export type User = { id: number; name: string; role: UserRole; status: UserStatus; createdAt: number };

/** GET /api/session: who is signed in, and what the sign-in screen needs to show. */
export type SessionInfo = {
  mode: AuthMode;
  /** Null when nobody is signed in; with mode off, a stand-in for the one user (an admin). */
  user: Pick<User, 'id' | 'name' | 'role'> | null;
  /** Send as the X-CSRF-Token header with every request that changes something; null with mode off. */
  csrfToken: string | null;
  signup: SignupMode;
  /** No account exists yet: the first to sign up becomes the admin. */
  firstAccount: boolean;
};

/**
 * One reading of the llm-manager, taken by the chatbot's status poller (GET /api/status): null values and
 * `problem` mean the reading failed (the charts show a gap there).
 */
export type StatusSample = {
  /** When it was read, ms since the epoch. */
  t: number;
  /** Requests generating now and waiting (queued, or for a model to load): vllm:num_requests_running/_waiting. */
  running: number | null;
  waiting: number | null;
  /** Fraction (0 to 1) of the loaded models' context (KV cache) that running requests hold. */
  kvCacheUsage: number | null;
  /** Tokens streamed per second since the previous reading, by model. */
  tokensPerSecond: Record<string, number>;
  /** Time to first token over the last minute, seconds, by model (absent: no answer started in that minute). */
  ttftP50: Record<string, number>;
  ttftP95: Record<string, number>;
  /** Model bytes downloaded per second since the previous reading (every pull, the ownchat command's too). */
  pulledBytesPerSecond: number | null;
  problem?: string;
};

/** A loaded model as the last /api/ps said. */
export type LoadedModel = {
  name: string;
  /** Bytes on the GPU and in system memory. */
  gpuBytes: number;
  cpuBytes: number;
  placement: Placement;
  /** Until when it stays loaded (ISO); null: for ever. */
  expiresAt: string | null;
  /** Tokens of context per sequence. */
  contextLength: number | null;
};

/** A pull the chatbot is relaying now (from the models menu, or an answer fetching its default model). */
export type PullInProgress = PullProgress & { model: string; startedAt: number };

export type StatusResponse = {
  /** How often the llm-manager is read, ms; the history holds at most `capacity` readings. */
  intervalMs: number;
  capacity: number;
  /** Readings after `since` (all of them without it), oldest first. */
  samples: StatusSample[];
  loaded: LoadedModel[];
  pulls: PullInProgress[];
  upstream: string;
};

export type UsagePeriod = 'today' | '7d' | '30d';

/** One user's answers by one model in a period (GET /api/usage). */
export type UsageRow = {
  /** Null: conversations made with OWNCHAT_AUTH=off (no account). */
  user: string | null;
  model: string;
  answers: number;
  /** Answers stored before the chatbot kept token counts, or stopped before the llm-manager reported them. */
  unknownAnswers: number;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second of generation over the answers with counts; null when there are none. */
  tokensPerSecond: number | null;
};

export type UsageResponse = { period: UsagePeriod; since: number; rows: UsageRow[] };
