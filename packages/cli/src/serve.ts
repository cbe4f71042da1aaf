// `ownchat serve`: runs the llm-manager in the foreground until SIGINT or SIGTERM.

import { ConfigError, readConfig } from '@ownchat/manager/for-clients';
import { Command } from 'commander';

export function serveCommand(name: string, description: string): Command {
  return new Command(name).description(description).action(async () => {
    let config: ReturnType<typeof readConfig>;
    try {
      config = readConfig();
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`ownchat: ${e.message}\n`);
        process.exit(1);
      }
      throw e;
    }
    // Loaded here, not at the top: the server (Fastify, the engine) costs a second that client verbs need not pay.
    const { startManager } = await import('@ownchat/manager');
    let manager: Awaited<ReturnType<typeof startManager>>;
    try {
      manager = await startManager(config);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === 'EADDRINUSE'
          ? `${config.host.host}:${config.host.port} is already in use (is another ownchat or Ollama running? set OLLAMA_HOST to use another address)`
          : err.message;
      process.stderr.write(`ownchat: cannot start the llm-manager: ${why}\n`);
      process.exit(1);
    }
    // The first signal drains: new requests get 503, running answers finish (OWNCHAT_DRAIN_TIMEOUT), then exit 0.
    // A second one (Ctrl-C again) stops at once; the runners exit with us (their IPC channel closes).
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        manager.ctx.log.warn({ signal }, 'stopping now, without waiting for running requests');
        process.exit(1);
      }
      stopping = true;
      manager.ctx.log.info({ signal }, 'shutting down');
      await manager.drain();
      await manager.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });
}
