// What the chatbot's route handlers share.
import type { FastifyBaseLogger } from 'fastify';
import type { ChatConfig } from '../config.ts';
import type { ChatStore } from '../db/chatStore.ts';
import type { Answers } from './answers.ts';
import type { Auth } from './auth.ts';
import type { Upstream } from './upstream.ts';

export type ChatContext = {
  config: Pick<ChatConfig, 'defaultModel'>;
  store: ChatStore;
  upstream: Upstream;
  answers: Answers;
  /** Accounts, sessions and rate limits; with OWNCHAT_AUTH=off, one user who may do everything. */
  auth: Auth;
  log: FastifyBaseLogger;
  /** Interval of SSE heartbeats (tests shorten it). */
  heartbeatMs?: number;
};
