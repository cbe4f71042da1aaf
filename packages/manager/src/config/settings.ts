// The settings reader the llm-manager (config.ts) and the chatbot (packages/chat/src/config.ts) both use: a table
// of environment variables, each with one typed reader and a description, read in one pass and listed for
// `ownchat --help`; and the readers of the value kinds both programs take (whole numbers, lists, on/off). One
// reader, so that both programs understand a value the same way and say the same thing about a bad one.
import { ConfigError } from '../errors.ts';

export type Env = Record<string, string | undefined>;

export type Setting<T> = {
  name: string;
  description: string;
  /** The default as a user reads it in --help. */
  defaultText: string;
  /** `env` is there for the defaults that depend on another setting (OWNCHAT_AUTH on OWNCHAT_LISTEN). */
  read: (raw: string | undefined, env: Env) => T;
};

/** Declares one setting (an identity: it lets TypeScript infer the reader's type in a table). */
export function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

type Table = Record<string, Setting<unknown>>;
export type SettingsOf<S extends Table> = { [K in keyof S]: ReturnType<S[K]['read']> };

/** Every setting of a table, read from the environment; throws ConfigError naming the bad variable. */
export function readSettings<S extends Table>(table: S, env: Env): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(table)) out[key] = s.read(env[s.name], env);
  return out as SettingsOf<S>;
}

/** A table's rows for --help: name, default and what it does. */
export function describeTable(table: Table): { name: string; defaultText: string; description: string }[] {
  return Object.values(table).map(({ name, defaultText, description }) => ({
    name,
    defaultText,
    description,
  }));
}

/** A whole number of at least `min`, or a ConfigError that names the variable and the value. */
export function wholeNumber(name: string, raw: string, min = 1): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected a whole number ≥ ${min}`);
  }
  return n;
}

/** A whole number of at least `min`, or `fallback` where the variable is unset or blank. */
export function readWholeNumber(name: string, fallback: number, min = 1) {
  return (raw: string | undefined): number => (raw?.trim() ? wholeNumber(name, raw.trim(), min) : fallback);
}

/** A comma-separated list, entries trimmed, empty ones dropped. */
export function commaList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Whether a switch is on: 1, true, t, yes or on, in any case (Go's strconv.ParseBool and common words). */
export function isOn(raw: string | undefined): boolean {
  return ['1', 'true', 't', 'yes', 'on'].includes(raw?.trim().toLowerCase() ?? '');
}

/** Whether a switch is explicitly off: 0, false, f, no or off. */
export function isOff(raw: string | undefined): boolean {
  return ['0', 'false', 'f', 'no', 'off'].includes(raw?.trim().toLowerCase() ?? '');
}
