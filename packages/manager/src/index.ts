export {
  type ClientConfig,
  type Config,
  describeSettings,
  readClientConfig,
  readConfig,
} from './config/config.ts';
export { clientUrl, type ListenAddress, parseOllamaHost } from './config/host.ts';
export { ConfigError } from './errors.ts';
export { type OptionKind, optionKind } from './model/options.ts';
export { type RunningManager, startManager } from './serve.ts';
