// The parts of the llm-manager that its clients (the ownchat command) use: settings, OLLAMA_HOST, option types.
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
export { ConfigError } from './errors.ts';
export { type OptionKind, optionKind } from './model/options.ts';
