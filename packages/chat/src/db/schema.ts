// The tables as Kysely sees them. Columns are snake_case as SQL writes them; chatStore.ts maps rows to the API's
// shapes (src/api.ts). Times are milliseconds since the epoch; JSON columns hold text.
import type { ColumnType, Generated } from 'kysely';

export interface ConversationTable {
  id: Generated<number>;
  title: string;
  model: string;
  system: string;
  /** JSON of ConversationOptions. */
  options: string;
  created_at: number;
  updated_at: number;
  /** The owner; null for conversations made with OWNCHAT_AUTH=off. */
  user_id: number | null;
}

export interface MessageTable {
  /** Increases with every message, so it also orders a conversation. */
  id: Generated<number>;
  conversation_id: number;
  role: string;
  content: string;
  status: string;
  error: string | null;
  /** JSON of AnswerStats. */
  stats: string | null;
  model: string | null;
  /** What a thinking model reasoned before answering; null when it did not think. */
  thinking: string | null;
  /** JSON of AnswerToolCall[]; null when the answer called no tool. */
  tool_calls: string | null;
  /** The llm-manager's counts for a finished answer (Ollama's names; duration in ns); null: unknown. */
  prompt_eval_count: number | null;
  eval_count: number | null;
  /** PostgreSQL's driver reads a bigint as a string. */
  eval_duration: ColumnType<number | string | null, number | null, number | null>;
  /**
   * While an answer is being written (status streaming): until when its writer vouches for it. The writer renews it;
   * once it has passed, the writer is gone (its process died) and any replica marks the answer cut off. Null on
   * answers written before leases, and once an answer has ended.
   */
  lease_until: number | null;
  /** 1: someone asked (through any replica) to stop this answer; its writer sees it at its next save. */
  stop_requested: Generated<number>;
  created_at: number;
  updated_at: number;
}

/** An image attached to a question (shared/images.ts): its bytes as uploaded. */
export interface MessageImageTable {
  id: Generated<number>;
  message_id: number;
  /** Its place among the message's images, from 0. */
  position: number;
  /** Its media type, as its bytes say (image/png, image/jpeg, image/webp). */
  type: string;
  /** The size of `data`. */
  bytes: number;
  data: Uint8Array;
}

export interface UserTable {
  id: Generated<number>;
  /** Unique regardless of case. */
  name: string;
  /** scrypt, with its parameters and salt (auth/password.ts); null for users a proxy names (header mode). */
  password_hash: string | null;
  role: 'admin' | 'user';
  /** pending: signed up, waiting for an admin's approval. */
  status: 'active' | 'pending' | 'disabled';
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  /** SHA-256 of the token in the cookie, hex. */
  id: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface SettingTable {
  key: string;
  value: string;
}

/** One counted attempt (a sign-in, a sign-up, an answer started) against a rate limit, by the limit's key. */
export interface RateHitTable {
  key: string;
  at: number;
}

export interface Database {
  conversations: ConversationTable;
  messages: MessageTable;
  message_images: MessageImageTable;
  users: UserTable;
  sessions: SessionTable;
  settings: SettingTable;
  rate_hits: RateHitTable;
}
