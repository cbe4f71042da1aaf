// The ownchat command. One file per verb lives beside this one; this file only wires them to the parser.

import { describeChatSettings } from '@ownchat/chat/config';
import { describeSettings } from '@ownchat/manager';
import { Command } from 'commander';
import { chatCommand } from './chat.ts';
import { serveCommand } from './serve.ts';
import { upCommand } from './up.ts';

const program = new Command('ownchat')
  .description('Your own chatbot on open LLMs: an Ollama-compatible llm-manager, a chatbot and a CLI')
  .version('0.1.0')
  .showHelpAfterError();

program.addCommand(
  serveCommand('serve', 'Start the llm-manager (an Ollama-compatible server) on OLLAMA_HOST'),
);
program.addCommand(upCommand());
program.addCommand(chatCommand());

program.addHelpText('after', () => {
  const rows = [...describeSettings(), ...describeChatSettings()];
  const width = Math.max(...rows.map((r) => r.name.length));
  return `\nSettings (environment variables):\n${rows
    .map((r) => `  ${r.name.padEnd(width)}  ${r.description} (default: ${r.defaultText})`)
    .join('\n')}\n`;
});

if (process.argv.length <= 2) {
  program.outputHelp();
} else {
  await program.parseAsync(process.argv);
}
