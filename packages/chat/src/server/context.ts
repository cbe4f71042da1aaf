// What the chatbot's route handlers share.
import type { FastifyBaseLogger } from 'fastify';
import type { ChatConfig } from '../config.ts';
import type { ChatStore } from '../db/chatStore.ts';
import type { UsageStore } from '../db/usageStore.ts';
import type { Answers } from './answers.ts';
import type { Auth } from './auth.ts';
import type { StatusPoller } from './status/statusPoller.ts';
import type { Upstream } from './upstream.ts';

export type ChatContext = {
  config: Pick<ChatConfig, 'defaultModel' | 'imageMaxMb'>;
  store: ChatStore;
  upstream: Upstream;
  answers: Answers;
  /** Accounts, sessions and rate limits; with OWNCHAT_AUTH=off, one user who may do everything. */
  auth: Auth;
  /** The admins' status page: readings of the llm-manager, and usage from the database. */
  status: StatusPoller;
  usage: UsageStore;
  log: FastifyBaseLogger;
  /** Interval of SSE heartbeats (tests shorten it). */
  heartbeatMs?: number;
};
