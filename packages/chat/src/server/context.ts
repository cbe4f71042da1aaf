// What the chatbot's route handlers share.
import type { FastifyBaseLogger } from 'fastify';
import type { ChatConfig } from '../config.ts';
import type { ChatStore } from '../db/chatStore.ts';
import type { Answers } from './answers.ts';
import type { Upstream } from './upstream.ts';

export type ChatContext = {
  config: Pick<ChatConfig, 'defaultModel'>;
  store: ChatStore;
  upstream: Upstream;
  answers: Answers;
  log: FastifyBaseLogger;
  /** Interval of SSE heartbeats (tests shorten it). */
  heartbeatMs?: number;
};
