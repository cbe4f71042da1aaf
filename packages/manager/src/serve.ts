// `ownchat serve`: start the llm-manager. Logs the inference devices, listens on OLLAMA_HOST, and on SIGINT or
// SIGTERM stops accepting work, unloads its models and exits.

import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type Config, readConfig } from './config.ts';
import type { ManagerContext } from './context.ts';
import { LlamaDevices } from './engine/devices.ts';
import { clientUrl } from './host.ts';
import { buildApp } from './http/app.ts';
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
  const devices = await LlamaDevices.open();
  for (const line of await devices.describe(config.numThreads ?? config.cpus))
    log.info(line.fields, line.message);
  const scheduler = new Scheduler({
    devices,
    loadTimeoutMs: config.loadTimeout,
    numParallel: config.numParallel,
    maxLoaded: config.maxLoadedModels,
    maxQueue: config.maxQueue,
    gpuMemoryCap: config.gpuMemory,
    log: (msg, extra) => log.info(extra ?? {}, msg),
  });
  const ctx: ManagerContext = { config, store: new ModelStore(config.models), scheduler, log };
  const app = await buildApp(ctx);
  await app.listen({ host: config.host.host, port: config.host.port });
  const url = clientUrl({ ...config.host, port: (app.server.address() as { port: number }).port });
  log.info({ url, models: config.models }, `llm-manager listening on ${url}`);
  return {
    app,
    ctx,
    url,
    close: async () => {
      await app.close();
      await scheduler.close();
      await devices.close();
    },
  };
}
