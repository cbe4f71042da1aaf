// What the route handlers share: settings, the model store, the scheduler of loaded models and the pulls.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Pulls } from './registry/pull.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { ModelStore } from './store/modelStore.ts';

export type ManagerContext = {
  config: Config;
  store: ModelStore;
  scheduler: Scheduler;
  pulls: Pulls;
  log: FastifyBaseLogger;
};

/** The Ollama API version we answer /api/version with: the Ollama release whose API this server follows. */
export const OLLAMA_API_VERSION = '0.13.0';
