// What the long-running verbs (chat, up) share: refusing a bad setting with one line, explaining an address that is
// taken, and stopping cleanly on SIGINT or SIGTERM.
import { ConfigError } from '@ownchat/manager/for-clients';

export function exitOnConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ownchat: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** Why listening failed, in words; an address in use names the setting that moves it. */
export function listenProblem(e: unknown, at: { host: string; port: number }, setting: string): string {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'EADDRINUSE'
    ? `${at.host}:${at.port} is already in use (is another ownchat running? set ${setting} to use another address)`
    : err.message;
}

/** The first SIGINT or SIGTERM runs `close`, then exits 0; a second one (Ctrl-C again) exits at once. */
export function stopOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    try {
      await close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
