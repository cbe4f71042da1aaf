// `ownchat up` (what `npm start` runs): the llm-manager on OLLAMA_HOST and the chatbot on OWNCHAT_LISTEN, in one
// process. When an Ollama-compatible server already answers at OLLAMA_HOST (Ollama itself, or another ownchat),
// the chatbot uses it instead of starting a second one, and says so.
import { readChatConfig } from '@ownchat/chat/config';
import { clientUrl, readConfig } from '@ownchat/manager/for-clients';
import { Command } from 'commander';
import { exitOnConfigError, listenProblem, stopOnSignals } from './lifecycle.ts';

/** True when an Ollama-compatible server answers at `url` (its root says "Ollama is running"). */
export async function ollamaAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok && (await res.text()).includes('Ollama is running');
  } catch {
    return false;
  }
}

export function upCommand(): Command {
  return new Command('up')
    .description('Start ownchat on this machine: the llm-manager (on OLLAMA_HOST) and the chatbot web app')
    .action(async () => {
      const config = exitOnConfigError(() => readConfig());
      const chatConfig = exitOnConfigError(() => readChatConfig());
      const wanted = clientUrl(config.host);
      // The servers' modules (Fastify, the engine, SQLite) load only for the verbs that run them, not for --help.
      const { startManager } = await import('@ownchat/manager');
      let manager: Awaited<ReturnType<typeof startManager>> | undefined;
      let upstream = wanted;
      if (config.host.port !== 0 && (await ollamaAnswers(wanted))) {
        process.stdout.write(
          `ownchat: an Ollama-compatible server already answers at ${wanted}: the chatbot uses it (no second llm-manager is started)\n`,
        );
      } else {
        try {
          manager = await startManager(config);
        } catch (e) {
          process.stderr.write(
            `ownchat: cannot start the llm-manager: ${listenProblem(e, config.host, 'OLLAMA_HOST')}\n`,
          );
          process.exit(1);
        }
        upstream = manager.url;
      }
      const { startChat } = await import('@ownchat/chat');
      let chat: Awaited<ReturnType<typeof startChat>>;
      try {
        // With OWNCHAT_API_KEYS set, the llm-manager wants a key: the chatbot beside it uses the first one.
        chat = await startChat({ ...chatConfig, upstream, apiKey: chatConfig.apiKey ?? config.apiKeys[0] });
      } catch (e) {
        process.stderr.write(
          `ownchat: cannot start the chatbot: ${listenProblem(e, chatConfig.listen, 'OWNCHAT_LISTEN')}\n`,
        );
        await manager?.close();
        process.exit(1);
      }
      const managerLine = manager
        ? `${upstream} (Ollama's API: any Ollama client can use it; models in ${config.models})`
        : `${upstream} (already running)`;
      process.stdout.write(
        `\nownchat is ready: open ${chat.url} in your browser\n  chatbot      ${chat.url}\n  llm-manager  ${managerLine}\nPress Ctrl+C to stop.\n\n`,
      );
      // The chatbot stops first (its answers are saved as stopped), then the llm-manager drains and stops.
      stopOnSignals(async () => {
        await chat.close();
        if (manager) {
          await manager.drain();
          await manager.close();
        }
      });
    });
}
