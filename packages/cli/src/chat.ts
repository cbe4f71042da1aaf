// `ownchat chat`: the chatbot web app alone, on OWNCHAT_LISTEN, talking to the llm-manager at OLLAMA_HOST.
// `ownchat chat migrate-db`: moves its conversations and accounts from SQLite to PostgreSQL.
import path from 'node:path';
import { type ChatConfig, describeAuth, readChatConfig } from '@ownchat/chat/config';
import { Command } from 'commander';
import { exitOnConfigError, listenProblem, stopOnSignals } from './lifecycle.ts';

export function chatCommand(): Command {
  return new Command('chat')
    .description('Start the chatbot web app on OWNCHAT_LISTEN, using the llm-manager at OLLAMA_HOST')
    .addCommand(migrateDbCommand())
    .action(async () => {
      const config: ChatConfig = exitOnConfigError(() => readChatConfig());
      // The server's modules (Fastify, SQLite, ...) load only for the verbs that run it, not for --help.
      const { startChat } = await import('@ownchat/chat');
      let chat: Awaited<ReturnType<typeof startChat>>;
      try {
        chat = await startChat(config);
      } catch (e) {
        process.stderr.write(
          `ownchat: cannot start the chatbot: ${listenProblem(e, config.listen, 'OWNCHAT_LISTEN')}\n`,
        );
        process.exit(1);
      }
      process.stdout.write(
        `\nownchat chatbot: open ${chat.url} (llm-manager: ${config.upstream})\n  users: ${describeAuth(config)}\n\n`,
      );
      stopOnSignals(() => chat.close());
    });
}

function migrateDbCommand(): Command {
  return new Command('migrate-db')
    .description(
      "Copy the chatbot's SQLite chat.db (conversations, accounts, sessions, settings) into an empty PostgreSQL database, for DATABASE_URL",
    )
    .requiredOption('--to <url>', 'the PostgreSQL database: postgres://user:password@host:5432/name')
    .option('--from <file>', 'the SQLite database (default: chat.db in OWNCHAT_DATA)')
    .action(async (opts: { to: string; from?: string }) => {
      const from = opts.from ?? path.join(exitOnConfigError(() => readChatConfig()).data, 'chat.db');
      const { migrateDb } = await import('@ownchat/chat');
      try {
        const counts = await migrateDb(path.resolve(from), opts.to);
        const what = Object.entries(counts)
          .map(([table, n]) => `${n} ${table}`)
          .join(', ');
        process.stdout.write(
          `ownchat: copied ${what} from ${from}.\nStart the chatbot with DATABASE_URL set to that database; keep ${from} as a backup.\n`,
        );
      } catch (e) {
        process.stderr.write(`ownchat: migrate-db failed, nothing was copied: ${(e as Error).message}\n`);
        process.exit(1);
      }
    });
}
