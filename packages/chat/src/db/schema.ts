// The tables as Kysely sees them. Columns are snake_case as SQL writes them; chatStore.ts maps rows to the API's
// shapes (src/api.ts). Times are milliseconds since the epoch; JSON columns hold text.
import type { Generated } from 'kysely';

export interface ConversationTable {
  id: Generated<number>;
  title: string;
  model: string;
  system: string;
  /** JSON of ConversationOptions. */
  options: string;
  created_at: number;
  updated_at: number;
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
  created_at: number;
  updated_at: number;
}

export interface Database {
  conversations: ConversationTable;
  messages: MessageTable;
}
