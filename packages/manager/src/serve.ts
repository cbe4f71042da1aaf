// `ownchat serve`: start the llm-manager. Logs the inference devices, listens on OLLAMA_HOST, preloads the
// OWNCHAT_PRELOAD models, and when told to stop drains (running requests finish) before it unloads its models.

import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type Config, readConfig } from './config/config.ts';
import { clientUrl } from './config/host.ts';
import type { ManagerContext } from './context.ts';
import { type Devices, LlamaDevices } from './engine/devices.ts';
import type { StartRunner } from './engine/runnerHandle.ts';
import { SpareRunner } from './engine/spareRunner.ts';
import { buildApp } from './http/app.ts';
import { Draining } from './ops/draining.ts';
import { Metrics } from './ops/metrics.ts';
import { Preloader } from './ops/preload.ts';
import { catchUp } from './peers/catchUp.ts';
import { Peers } from './peers/peers.ts';
import { Pulls } from './registry/pull.ts';
import { Pushes } from './registry/push.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { ModelStore } from './store/modelStore.ts';

export type RunningManager = {
  app: FastifyInstance;
  ctx: ManagerContext;
  url: string;
  /** Settles when every OWNCHAT_PRELOAD model has been loaded or has failed to (see /readyz). */
  preloaded: Promise<void>;
  /** Settles after `preloaded`, once the models the peers (OWNCHAT_PEERS) have were pulled here where they can be. */
  caughtUp: Promise<unknown>;
  /**
   * Readiness turns false and new requests get 503; resolves once the requests already taken have finished,
   * or after OWNCHAT_DRAIN_TIMEOUT (false then: close() cuts the rest).
   */
  drain: () => Promise<boolean>;
  close: () => Promise<void>;
};

let strayRejectionsLogged = false;

/**
 * A promise nobody awaited that rejects would end the process under Node's default, and with it every loaded
 * model's requests: one request's stray failure must stay its own. Logged as an error instead (once per process).
 */
function logStrayRejections(log: pino.Logger): void {
  if (strayRejectionsLogged) return;
  strayRejectionsLogged = true;
  process.on('unhandledRejection', (reason) => {
    log.error(
      { err: reason },
      'a promise rejected with nobody waiting for it: logged, the server carries on',
    );
  });
}

/** What runs the models; tests above the runner seam pass fakes, `ownchat serve` the real ones. */
export type EngineParts = { devices?: Devices; startRunner?: StartRunner };

export async function startManager(
  config: Config = readConfig(),
  parts: EngineParts = {},
): Promise<RunningManager> {
  const log = pino({ level: config.logLevel, base: { svc: 'llm-manager' } });
  logStrayRejections(log);
  const store = new ModelStore(config.models);
  // Tests above the runner seam pass their own runners: no spare process then. The spare starts first, so that
  // its process starts while this one opens the devices and the server (on another core, where there is one);
  // a preload takes it.
  const spares = new SpareRunner({
    enabled: config.spareRunner && !parts.startRunner,
    threads: config.numThreads ?? config.cpus,
    // The first model to preload, which will take it; else the newest in the store.
    someModel: async () =>
      config.preload[0]
        ? (await store.resolve(config.preload[0])).modelPath
        : (await store.list())[0]?.modelPath,
  });
  spares.start();
  const devices = parts.devices ?? (await LlamaDevices.open());
  for (const line of await devices.describe(config.numThreads ?? config.cpus))
    log.info(line.fields, line.message);
  const scheduler = new Scheduler({
    devices,
    startRunner: parts.startRunner ?? ((label) => spares.take(label)),
    loadTimeoutMs: config.loadTimeout,
    numParallel: config.numParallel,
    maxLoaded: config.maxLoadedModels,
    maxQueue: config.maxQueue,
    gpuMemoryCap: config.gpuMemory,
    gpuOverhead: config.gpuOverhead,
    flashAttention: config.flashAttention,
    kvCacheType: config.kvCacheType,
    parallelSteps: config.parallelSteps,
    decodeLoop: config.decodeLoop,
    log: (msg, extra) => log.info(extra ?? {}, msg),
    // Loads start only once requests arrive, after `metrics` below exists.
    onLoad: (model, outcome) => metrics.modelLoad(model, outcome),
  });
  const metrics = new Metrics({
    stats: () => scheduler.stats(),
    loaded: () => scheduler.list(),
    contextUsage: () => scheduler.contextUsage(),
  });
  const pulls = new Pulls(store, {
    allow: config.pullAllow,
    parallel: config.pullParallel,
    partSize: config.pullPartSize,
    stallTimeoutMs: config.pullStallTimeout,
    noPrune: config.noPrune,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
    onBytes: (bytes) => metrics.pulledBytes(bytes),
  });
  const pushes = new Pushes(store, {
    allow: config.pullAllow,
    stallTimeoutMs: config.pullStallTimeout,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
  });
  const ctx: ManagerContext = {
    config,
    store,
    scheduler,
    pulls,
    pushes,
    log,
    metrics,
    preload: new Preloader(config.preload),
    draining: new Draining(),
    peers: new Peers(
      config.peers,
      {
        timeoutMs: config.peerTimeout,
        pullIdleMs: config.peerTimeout + 2 * config.pullStallTimeout,
        apiKey: config.apiKeys[0],
      },
      log,
    ),
  };
  const app = await buildApp(ctx);
  await app.listen({ host: config.host.host, port: config.host.port });
  // The address we listen on: a path in OLLAMA_HOST is for clients behind a proxy, not served here.
  const port = (app.server.address() as { port: number }).port;
  ctx.peers.listening({ host: config.host.host, port });
  const url = clientUrl({ ...config.host, port, path: '' });
  log.info({ url, models: config.models }, `llm-manager listening on ${url}`);
  // After listen: /healthz answers at once and /readyz says what is still loading.
  const preloaded = ctx.preload.run(ctx);
  // After the preloads: they name the models this replica must have; the peers' may add more.
  const caughtUp = preloaded.then(() => catchUp(ctx));
  return {
    app,
    ctx,
    url,
    preloaded,
    caughtUp,
    drain: async () => {
      ctx.draining.startDraining();
      ctx.preload.stop();
      // A pull may run for many minutes and resumes where it stopped: end it now rather than hold the drain.
      await pulls.close();
      await pushes.close();
      const running = ctx.draining.inFlight;
      const seconds = config.drainTimeout / 1000;
      log.info(
        { running, timeoutSeconds: seconds },
        `draining: new requests get 503; waiting up to ${seconds} s for ${running} running ${running === 1 ? 'request' : 'requests'}`,
      );
      const idle = await ctx.draining.whenIdle(config.drainTimeout);
      if (!idle) {
        log.warn(
          { running: ctx.draining.inFlight },
          `drain timed out after ${seconds} s: stopping the requests still running (OWNCHAT_DRAIN_TIMEOUT)`,
        );
      }
      return idle;
    },
    close: async () => {
      ctx.preload.stop();
      await pulls.close(); // pulls in flight end (resumable) so the server can close
      await pushes.close();
      await app.close();
      await ctx.peers.close();
      await scheduler.close();
      await spares.close();
      await devices.close();
    },
  };
}
