// `ownchat serve`: start the llm-manager. Logs the inference devices, listens on OLLAMA_HOST, and on SIGINT or
// SIGTERM stops accepting work, unloads its models and exits.

import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type Config, readConfig } from './config.ts';
import type { ManagerContext } from './context.ts';
import { describeDevices } from './engine/devices.ts';
import { clientUrl } from './host.ts';
import { buildApp } from './http/app.ts';
import { Pulls } from './registry/pull.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { ModelStore } from './store/modelStore.ts';

export type RunningManager = {
  app: FastifyInstance;
  ctx: ManagerContext;
  url: string;
  close: () => Promise<void>;
};

export async function startManager(config: Config = readConfig()): Promise<RunningManager> {
  const log = pino({ level: config.logLevel, base: { svc: 'llm-manager' } });
  const scheduler = new Scheduler({
    loadTimeoutMs: config.loadTimeout,
    log: (msg, extra) => log.info(extra ?? {}, msg),
  });
  const store = new ModelStore(config.models);
  const pulls = new Pulls(store, {
    allow: config.pullAllow,
    parallel: config.pullParallel,
    partSize: config.pullPartSize,
    stallTimeoutMs: config.pullStallTimeout,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
  });
  const ctx: ManagerContext = { config, store, scheduler, pulls, log };
  for (const line of await describeDevices(config.numThreads ?? config.cpus))
    log.info(line.fields, line.message);
  const app = await buildApp(ctx);
  await app.listen({ host: config.host.host, port: config.host.port });
  const url = clientUrl({ ...config.host, port: (app.server.address() as { port: number }).port });
  log.info({ url, models: config.models }, `llm-manager listening on ${url}`);
  return {
    app,
    ctx,
    url,
    close: async () => {
      await pulls.close(); // pulls in flight end (resumable) so the server can close
      await app.close();
      await scheduler.close();
    },
  };
}
