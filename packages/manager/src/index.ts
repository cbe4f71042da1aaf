export { type ClientConfig, type Config, describeSettings, readClientConfig, readConfig } from './config.ts';
export { ConfigError } from './errors.ts';
export { clientUrl, type ListenAddress, parseOllamaHost } from './host.ts';
export { type OptionKind, optionKind } from './model/options.ts';
export { type RunningManager, startManager } from './serve.ts';
