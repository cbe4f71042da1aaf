// `ownchat chat`: the chatbot server. Opens the database (running its migrations), builds the web app if this
// checkout has none, and listens on OWNCHAT_LISTEN; close() stops the answers being written (each is saved as
// stopped) and then the server.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { ChatConfig } from '../config.ts';
import { type ChatStore, openChatStore } from '../db/chatStore.ts';
import { Answers } from './answers.ts';
import { buildChatApp } from './app.ts';
import type { ChatContext } from './context.ts';
import { Upstream } from './upstream.ts';
import { buildWeb, WEB_DIST, webBuilt } from './webAssets.ts';

export type RunningChat = {
  app: FastifyInstance;
  store: ChatStore;
  /** Where a browser on this machine opens the chatbot. */
  url: string;
  close: () => Promise<void>;
};

export const INTERRUPTED =
  'The chatbot stopped while this answer was being written, so it is cut off here. Press Retry to write it again.';

export async function startChat(
  config: ChatConfig,
  opts: { heartbeatMs?: number } = {},
): Promise<RunningChat> {
  const log = pino({ level: config.logLevel, base: { svc: 'chatbot' } });
  if (!webBuilt()) {
    log.info('building the web app (the first start of this checkout)');
    await buildWeb();
  }
  const dbFile = path.join(config.data, 'chat.db');
  const store = await openChatStore(dbFile);
  const interrupted = await store.markInterrupted(INTERRUPTED);
  if (interrupted)
    log.warn({ answers: interrupted }, 'answers cut off when the chatbot last stopped are marked so');
  const upstream = new Upstream(config.upstream, config.apiKey);
  const answers = new Answers({ store, upstream, log, defaultModel: config.defaultModel });
  const ctx: ChatContext = { config, store, upstream, answers, log, heartbeatMs: opts.heartbeatMs };
  const app = await buildChatApp(ctx, WEB_DIST);
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (e) {
    await store.close();
    await upstream.close();
    throw e;
  }
  const port = (app.server.address() as { port: number }).port;
  const host = ['0.0.0.0', '::'].includes(config.listen.host) ? '127.0.0.1' : config.listen.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ chatUrl: url, upstream: upstream.url, data: dbFile }, `chatbot listening on ${url}`);
  return {
    app,
    store,
    url,
    close: async () => {
      answers.stopAll();
      // Each stopped answer saves itself; give them a moment before the database closes.
      for (let i = 0; i < 50 && answers.count > 0; i++) await new Promise((r) => setTimeout(r, 100));
      await app.close();
      await store.close();
      await upstream.close();
    },
  };
}
