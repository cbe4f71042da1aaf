// The ownchat command. One file per verb lives beside this one; this file only wires them to the parser.

import { Command } from 'commander';
import { chatCommand } from './chat.ts';
import { cpCommand } from './cp.ts';
import { createCommand } from './create.ts';
import { listCommand } from './list.ts';
import { psCommand } from './ps.ts';
import { pullCommand } from './pull.ts';
import { pushCommand } from './push.ts';
import { rmCommand } from './rm.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { withSettingsHelp } from './settingsHelp.ts';
import { showCommand } from './show.ts';
import { stopCommand } from './stop.ts';
import { upCommand } from './up.ts';

const program = new Command('ownchat')
  .description('Your own chatbot on open LLMs: an Ollama-compatible llm-manager, a chatbot and a CLI')
  .version('0.1.0')
  .showHelpAfterError();

program.addCommand(
  withSettingsHelp(
    serveCommand('serve', 'Start the llm-manager (an Ollama-compatible server) on OLLAMA_HOST'),
    'manager',
  ),
);
program.addCommand(withSettingsHelp(upCommand(), 'both'));
program.addCommand(withSettingsHelp(chatCommand(), 'chat'));
// Client verbs, as Ollama names them: they talk to the server at OLLAMA_HOST (ours or a real Ollama).
for (const verb of [
  pullCommand,
  pushCommand,
  runCommand,
  listCommand,
  psCommand,
  showCommand,
  createCommand,
  cpCommand,
  rmCommand,
  stopCommand,
]) {
  program.addCommand(verb());
}

withSettingsHelp(program, 'both');

if (process.argv.length <= 2) {
  program.outputHelp();
} else {
  await program.parseAsync(process.argv);
}
