// `ownchat chat`: the chatbot server. Opens the database (running its migrations), builds the web app if this
// checkout has none, and listens on OWNCHAT_LISTEN; close() stops the answers being written (each is saved as
// stopped) and then the server.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type ChatConfig, isLoopbackHost } from '../config.ts';
import { AccountStore } from '../db/accountStore.ts';
import { ChatStore, LEASE_MS } from '../db/chatStore.ts';
import { openDatabase, redactUrl } from '../db/database.ts';
import { UsageStore } from '../db/usageStore.ts';
import { Answers } from './answers.ts';
import { buildChatApp } from './app.ts';
import { Auth } from './auth.ts';
import type { ChatContext } from './context.ts';
import { StatusPoller } from './status/statusPoller.ts';
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
  /**
   * now: the clock for sessions and rate limits (tests move it instead of waiting). leaseMs: how long an answer's
   * writer vouches for it before other replicas take it for cut off (tests shorten it).
   */
  opts: { heartbeatMs?: number; now?: () => number; leaseMs?: number } = {},
): Promise<RunningChat> {
  const now = opts.now ?? Date.now;
  const log = pino({ level: config.logLevel, base: { svc: 'chatbot' } });
  if (!webBuilt()) {
    log.info('building the web app (the first start of this checkout)');
    await buildWeb();
  }
  const dbTarget = config.database ?? path.join(config.data, 'chat.db');
  const db = await openDatabase(dbTarget);
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const store = new ChatStore(db, now, leaseMs);
  // SQLite: this process is the database's only writer, so every answer left streaming was cut off when it last
  // stopped. PostgreSQL: other replicas may be writing theirs now; only answers whose writer stopped renewing its
  // lease are cut off, at start-up and then by every replica as it goes (a replica killed mid-answer).
  const sweep = async () => {
    const interrupted = await store.markInterrupted(INTERRUPTED, config.database ? 'expired' : 'all');
    if (interrupted) log.warn({ answers: interrupted }, 'answers whose writer stopped are marked cut off');
  };
  await sweep();
  const sweeper = config.database
    ? setInterval(
        () => sweep().catch((e) => log.error({ err: e }, 'marking cut-off answers failed')),
        leaseMs / 2,
      )
    : undefined;
  sweeper?.unref();
  const upstream = new Upstream(config.upstream, config.apiKey, config.insecureRegistries);
  const answers = new Answers({ store, upstream, log, defaultModel: config.defaultModel });
  const auth = new Auth(config, new AccountStore(db, now), now);
  const status = new StatusPoller(upstream, log, config.statusInterval);
  const usage = new UsageStore(db);
  const ctx: ChatContext = {
    config,
    store,
    upstream,
    answers,
    auth,
    status,
    usage,
    log,
    heartbeatMs: opts.heartbeatMs,
  };
  const app = await buildChatApp(ctx, WEB_DIST);
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (e) {
    clearInterval(sweeper);
    await store.close();
    await upstream.close();
    throw e;
  }
  status.start();
  const port = (app.server.address() as { port: number }).port;
  const host = ['0.0.0.0', '::'].includes(config.listen.host) ? '127.0.0.1' : config.listen.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info(
    { chatUrl: url, upstream: upstream.url, data: redactUrl(dbTarget), auth: config.auth },
    `chatbot listening on ${url}`,
  );
  if (config.auth === 'off' && !isLoopbackHost(config.listen.host)) {
    log.warn(
      { listen: config.listen.host },
      'OWNCHAT_AUTH=off on an address other machines reach: anyone who can open the chatbot can read every conversation and pull or delete models',
    );
  }
  return {
    app,
    store,
    url,
    close: async () => {
      answers.stopAll();
      // Each stopped answer saves itself; give them a moment before the database closes.
      for (let i = 0; i < 50 && answers.count > 0; i++) await new Promise((r) => setTimeout(r, 100));
      await status.stop();
      clearInterval(sweeper);
      await app.close();
      await store.close();
      await upstream.close();
    },
  };
}
