// The chatbot API's typed errors and the one place that turns any error into a status and an `{"error"}` body
// whose message a user can act on.
import { MAX_IMAGES_PER_MESSAGE } from '../shared/images.ts';
import { describeProblem } from './upstream.ts';

/** The request is malformed or asks for something impossible (400). */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

/** Nobody is signed in, or the sign-in failed (401). */
export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

/** Signed in, but not allowed to do this (403). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** A rate limit was hit (429); the response says when to retry (Retry-After, in seconds). */
export class TooManyRequestsError extends Error {
  override name = 'TooManyRequestsError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** @fastify/csrf-protection's errors: the token is missing, or does not match this browser's session. */
const CSRF_CODES = new Set(['FST_CSRF_MISSING_SECRET', 'FST_CSRF_INVALID_TOKEN']);
export const CSRF_MESSAGE =
  "this request lacks the page's security token (X-CSRF-Token) or it does not match your session: reload the page and try again";

/** Whatever was thrown, in words: never "[object Object]". */
function errorText(e: unknown): string {
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

/** What the request names does not exist (404). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request conflicts with what is going on (409), e.g. a second answer in one conversation. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** 413: what was sent is larger than the chatbot takes (an image over OWNCHAT_IMAGE_MAX_MB). */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

/** The llm-manager could not do what was asked; `message` says why in words for the user. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    message: string,
    readonly status = 502,
  ) {
    super(message);
  }
}

/**
 * The disk holding the chat database is full (SQLite's SQLITE_FULL, PostgreSQL's disk_full 53100, or ENOSPC from
 * the file system).
 */
export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100';
}

/**
 * PostgreSQL refuses text with a NUL character (U+0000) in it (invalid byte sequence 22021, or untranslatable
 * character 22P05); SQLite stores it. The user hears what to remove, not "internal error".
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);
export const UNSTORABLE_TEXT_MESSAGE =
  'the text contains a NUL character (U+0000), which the chat database (PostgreSQL) cannot store: remove it and try again';

export const DISK_FULL_MESSAGE =
  "The chatbot's disk is full, so this could not be saved. Free some space on the disk that holds OWNCHAT_DATA (or the PostgreSQL database) and try again: everything saved before is kept.";

export function errorStatus(e: unknown, upstreamUrl: string): { status: number; message: string } {
  const message = errorText(e);
  // 507 Insufficient Storage, as the llm-manager answers a pull that does not fit: the user learns why, not "500".
  if (isDiskFull(e)) return { status: 507, message: DISK_FULL_MESSAGE };
  if (UNSTORABLE_TEXT.has((e as { code?: string })?.code ?? '')) {
    return { status: 400, message: UNSTORABLE_TEXT_MESSAGE };
  }
  if (e instanceof BadRequestError) return { status: 400, message };
  if (e instanceof UnauthorizedError) return { status: 401, message };
  if (e instanceof ForbiddenError) return { status: 403, message };
  if (e instanceof TooManyRequestsError) return { status: 429, message };
  if (e instanceof NotFoundError) return { status: 404, message };
  if (e instanceof ConflictError) return { status: 409, message };
  if (e instanceof PayloadTooLargeError) return { status: 413, message };
  if (e instanceof UpstreamError) return { status: e.status, message };
  const fastify = e as { statusCode?: number; code?: string; validation?: unknown };
  if (fastify.code && CSRF_CODES.has(fastify.code)) return { status: 403, message: CSRF_MESSAGE };
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      message: `the request is too large: a question may carry at most ${MAX_IMAGES_PER_MESSAGE} images, each within OWNCHAT_IMAGE_MAX_MB`,
    };
  }
  if (fastify.validation) return { status: 400, message: `invalid request: ${message}` };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { status: fastify.statusCode, message };
  }
  // Anything the ollama client threw: say what happened upstream rather than "internal error".
  if ((e as { status_code?: number }).status_code !== undefined || e instanceof TypeError) {
    const p = describeProblem(e, { url: upstreamUrl });
    return { status: p.status, message: p.message };
  }
  return { status: 500, message: `internal error: ${message}` };
}
