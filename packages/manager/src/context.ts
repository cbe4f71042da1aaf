// What the route handlers share: settings, the model store and the scheduler of loaded models.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { ModelStore } from './store/modelStore.ts';

export type ManagerContext = {
  config: Config;
  store: ModelStore;
  scheduler: Scheduler;
  log: FastifyBaseLogger;
};

/** The Ollama API version we answer /api/version with: the Ollama release whose API this server follows. */
export const OLLAMA_API_VERSION = '0.13.0';
