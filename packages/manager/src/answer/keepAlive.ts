// How long a model stays loaded after a request: the request's keep_alive (a Go duration or seconds, as Ollama
// takes it), else OLLAMA_KEEP_ALIVE; a preloaded model stays loaded whatever the request says (ops/preload.ts).

import { parseKeepAlive } from '../config/duration.ts';
import type { ManagerContext } from '../context.ts';

/** The keep-alive a request body asks for, in milliseconds (Infinity: for ever, 0: unload at once). */
export function requestedKeepAlive(ctx: ManagerContext, keepAlive: unknown): number {
  return keepAlive === undefined || keepAlive === null ? ctx.config.keepAlive : parseKeepAlive(keepAlive);
}

/** The keep-alive a model gets when a request releases it. */
export function keepAliveFor(ctx: ManagerContext, modelPath: string, requestedMs: number): number {
  return ctx.preload.keepAliveFor(modelPath, requestedMs);
}
