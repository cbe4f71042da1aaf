// `ownchat chat`: the chatbot web app alone, on OWNCHAT_LISTEN, talking to the llm-manager at OLLAMA_HOST.
import { type ChatConfig, describeAuth, readChatConfig } from '@ownchat/chat/config';
import { Command } from 'commander';
import { exitOnConfigError, listenProblem, stopOnSignals } from './lifecycle.ts';

export function chatCommand(): Command {
  return new Command('chat')
    .description('Start the chatbot web app on OWNCHAT_LISTEN, using the llm-manager at OLLAMA_HOST')
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
