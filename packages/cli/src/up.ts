// `ownchat up` (what `npm start` runs): the llm-manager on OLLAMA_HOST and the chatbot on OWNCHAT_LISTEN, in one
// process. When an Ollama-compatible server already answers at OLLAMA_HOST (Ollama itself, or another ownchat),
// the chatbot uses it instead of starting a second one, and says so.
import { describeAuth, readChatConfig } from '@ownchat/chat/config';
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
      const reuse = config.host.port !== 0 && (await ollamaAnswers(wanted));
      if (reuse) {
        process.stdout.write(
          `ownchat: an Ollama-compatible server already answers at ${wanted}: the chatbot uses it (no second llm-manager is started)\n`,
        );
      }
      // Both servers start at once (the chatbot calls the llm-manager only when asked to), and their modules
      // (Fastify, the engine, SQLite) load only for the verbs that run them, not for --help. Only an llm-manager on
      // port 0 must be up first: the chatbot needs the port it got.
      const managerStarting = reuse
        ? undefined
        : import('@ownchat/manager').then(({ startManager }) => startManager(config));
      // Our own llm-manager serves the API at its root: a path in OLLAMA_HOST is a proxy's prefix, not its own.
      let upstream = reuse ? wanted : clientUrl({ ...config.host, path: '' });
      if (managerStarting && config.host.port === 0) {
        upstream = await managerStarting.then(
          (m) => m.url,
          () => upstream,
        );
      }
      const chatStarting = import('@ownchat/chat').then(({ startChat }) =>
        // With OWNCHAT_API_KEYS set, the llm-manager wants a key: the chatbot beside it uses the first one.
        startChat({ ...chatConfig, upstream, apiKey: chatConfig.apiKey ?? config.apiKeys[0] }),
      );
      const [managerResult, chatResult] = await Promise.allSettled([managerStarting, chatStarting]);
      const manager = managerResult.status === 'fulfilled' ? managerResult.value : undefined;
      if (managerResult.status === 'rejected' || chatResult.status === 'rejected') {
        if (managerResult.status === 'rejected') {
          process.stderr.write(
            `ownchat: cannot start the llm-manager: ${listenProblem(managerResult.reason, config.host, 'OLLAMA_HOST')}\n`,
          );
        }
        if (chatResult.status === 'rejected') {
          process.stderr.write(
            `ownchat: cannot start the chatbot: ${listenProblem(chatResult.reason, chatConfig.listen, 'OWNCHAT_LISTEN')}\n`,
          );
        }
        await Promise.allSettled([
          manager?.close(),
          chatResult.status === 'fulfilled' && chatResult.value.close(),
        ]);
        process.exit(1);
      }
      const chat = chatResult.value;
      const managerLine = manager
        ? `${upstream} (Ollama's API: any Ollama client can use it; models in ${config.models})`
        : `${upstream} (already running)`;
      process.stdout.write(
        `\nownchat is ready: open ${chat.url} in your browser\n  chatbot      ${chat.url}\n  llm-manager  ${managerLine}\n  users        ${describeAuth(chatConfig)}\nPress Ctrl+C to stop.\n\n`,
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
