// Wraps a client verb's action: connects to OLLAMA_HOST, runs the verb, and turns whatever it throws into one
// line on stderr and exit status 1 (errors.ts).
import { type Connection, connect } from './client.ts';
import { fail } from './errors.ts';

export function clientAction<A extends unknown[]>(
  fn: (conn: Connection, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let conn: Connection | undefined;
    try {
      conn = connect();
      await fn(conn, ...args);
    } catch (e) {
      fail(e, { url: conn?.url, debug: conn?.debug });
    }
  };
}
