// The parts of the llm-manager that its clients (the ownchat command, the chatbot) use: settings and the reader
// both programs read theirs with, OLLAMA_HOST, option types.
// Importing the package's index loads the whole server (Fastify, the engine), about a second at every command;
// this entry loads none of it.
export {
  type ClientConfig,
  type Config,
  describeSettings,
  readClientConfig,
  readConfig,
  settings,
} from './config/config.ts';
export { parseGoDuration } from './config/duration.ts';
export { clientUrl, type ListenAddress, parseOllamaHost } from './config/host.ts';
export {
  commaList,
  describeTable,
  type Env,
  readSettings,
  readWholeNumber,
  type Setting,
  type SettingsOf,
  setting,
} from './config/settings.ts';
export { ConfigError } from './errors.ts';
export { type OptionKind, optionKind } from './model/options.ts';
