// The "Settings (environment variables)" block of --help, from the servers' own setting tables (each setting's
// name, description and default live beside its reader): `ownchat --help` and `ownchat up --help` list both
// servers', `serve --help` the llm-manager's and `chat --help` the chatbot's, as `ollama serve --help` lists its.
import { describeChatSettings } from '@ownchat/chat/config';
import { describeSettings } from '@ownchat/manager/for-clients';
import type { Command } from 'commander';

type Which = 'manager' | 'chat' | 'both';

function settingsText(which: Which): string {
  const rows = [
    ...(which === 'chat' ? [] : describeSettings()),
    ...(which === 'manager' ? [] : describeChatSettings()),
  ];
  const width = Math.max(...rows.map((r) => r.name.length));
  return `\nSettings (environment variables):\n${rows
    .map((r) => `  ${r.name.padEnd(width)}  ${r.description} (default: ${r.defaultText})`)
    .join('\n')}\n`;
}

/** Appends the settings that `which` server reads to the command's --help. */
export function withSettingsHelp(command: Command, which: Which): Command {
  return command.addHelpText('after', () => settingsText(which));
}
