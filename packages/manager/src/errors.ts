// Typed errors. Code throws these; http/errorStatus.ts is the one place that turns them into statuses and bodies,
// so a message written here is exactly what a user reads.

/** A setting in the environment is malformed: the server refuses to start and says which. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The request is malformed or asks for something invalid (400). */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
  /** The request field at fault, where one is (OpenAI's error bodies name it as `param`). */
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** The request body is larger than OWNCHAT_MAX_BODY_SIZE (413); the message names the limit. */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

/** No API key, or not one of OWNCHAT_API_KEYS (401). The message never repeats what the client sent. */
export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

/**
 * The server's policy refuses the request (403): a browser page from an origin OLLAMA_ORIGINS does not allow (as
 * Ollama answers it), or a model OWNCHAT_PULL_ALLOW does not list.
 */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** The server is draining before it stops: the client should go to another replica or retry (503). */
export class ShuttingDownError extends Error {
  override name = 'ShuttingDownError';
  constructor(message = 'the server is shutting down: retry, another replica will answer') {
    super(message);
  }
}

/** No such model in the store (404). */
export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
  constructor(
    readonly model: string,
    message = `model '${model}' not found`,
  ) {
    super(message);
  }
}

/** Something else the request names does not exist (404), e.g. a blob. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The client went away or the request was cancelled (499, as Ollama logs it). */
export class CanceledError extends Error {
  override name = 'CanceledError';
  constructor(message = 'request canceled') {
    super(message);
  }
}

/** Too many requests wait already (503 with Retry-After). */
export class ServerBusyError extends Error {
  override name = 'ServerBusyError';
  constructor(message = 'server busy, please try again.  maximum pending requests exceeded') {
    super(message);
  }
}

/** A model could not be loaded: bad file, not enough memory, load timeout (500, message says why). */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** The runner process serving a model died or failed mid-request (500). */
export class RunnerError extends Error {
  override name = 'RunnerError';
}

/** A registry could not be reached, refused us, or answered something unusable; the message names the host (500). */
export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    message: string,
    /** Trying again may help: network trouble, a 5xx or a 429; a 404 or a bad manifest will not pass. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** Downloaded bytes do not hash to the digest the manifest promised; nothing was kept (500). */
export class DigestMismatchError extends Error {
  override name = 'DigestMismatchError';
}

/** Not enough free disk space for what was asked (507). */
export class InsufficientStorageError extends Error {
  override name = 'InsufficientStorageError';
}

/**
 * What went wrong, in words, whatever was thrown: a library may throw a string, a plain object or undefined,
 * and a user must never read "[object Object]".
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/**
 * Another llm-manager replica (OWNCHAT_PEERS) could not do its part of a pull, delete, copy or create, or could not
 * be reached; the message names it (500, as Ollama answers a failed pull).
 */
export class PeerError extends Error {
  override name = 'PeerError';
}
