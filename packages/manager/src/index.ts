export { type Config, describeSettings, readConfig } from './config.ts';
export { ConfigError } from './errors.ts';
export { type RunningManager, startManager } from './serve.ts';
