// What the route handlers share: settings, the model store, the scheduler of loaded models, the pulls, and the
// operations side: metrics, the preloaded models, the draining state and the peer replicas.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/config.ts';
import type { Draining } from './ops/draining.ts';
import type { Metrics } from './ops/metrics.ts';
import type { Preloader } from './ops/preload.ts';
import type { Peers } from './peers/peers.ts';
import type { Pulls } from './registry/pull.ts';
import type { Pushes } from './registry/push.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { ModelStore } from './store/modelStore.ts';

export type ManagerContext = {
  config: Config;
  store: ModelStore;
  scheduler: Scheduler;
  pulls: Pulls;
  pushes: Pushes;
  log: FastifyBaseLogger;
  metrics: Metrics;
  preload: Preloader;
  draining: Draining;
  /** The other replicas (OWNCHAT_PEERS) that pulls, deletes, copies and creates reach too. */
  peers: Peers;
};

/** The Ollama API version we answer /api/version with: the Ollama release whose API this server follows. */
export const OLLAMA_API_VERSION = '0.32.15';
