// The one place that turns errors into HTTP statuses and Ollama's `{"error": "..."}` bodies
// (Ollama's handleScheduleError): 400 bad input, 401 no API key, 403 foreign origin or a model the pull
// allow-list omits, 404 unknown model, 413 body too large, 499 canceled, 503 busy or shutting down, 507 disk full, 500 the rest.
import {
  BadRequestError,
  CanceledError,
  DigestMismatchError,
  errorMessage,
  ForbiddenError,
  InsufficientStorageError,
  ModelLoadError,
  ModelNotFoundError,
  NotFoundError,
  PayloadTooLargeError,
  PeerError,
  RegistryError,
  RunnerError,
  ServerBusyError,
  ShuttingDownError,
  UnauthorizedError,
} from '../errors.ts';
import { ParserError } from '../parsers/builtinParser.ts';
import { TemplateError } from '../template/errors.ts';

export type ErrorResponse = { status: number; message: string; headers?: Record<string, string> };

export function errorStatus(e: unknown): ErrorResponse {
  const message = errorMessage(e);
  if (e instanceof BadRequestError) return { status: 400, message };
  if (e instanceof PayloadTooLargeError) return { status: 413, message };
  if (e instanceof TemplateError) return { status: 400, message: `template: ${message}` };
  if (e instanceof ModelNotFoundError || e instanceof NotFoundError) return { status: 404, message };
  if (e instanceof CanceledError) return { status: 499, message };
  if (e instanceof ServerBusyError) return { status: 503, message, headers: { 'retry-after': '1' } };
  if (e instanceof UnauthorizedError)
    return { status: 401, message, headers: { 'www-authenticate': 'Bearer' } };
  if (e instanceof ForbiddenError) return { status: 403, message };
  // Connection: close, so a keep-alive client reconnects, and its load balancer picks a replica that is up.
  if (e instanceof ShuttingDownError)
    return { status: 503, message, headers: { 'retry-after': '1', connection: 'close' } };
  if (e instanceof InsufficientStorageError) return { status: 507, message };
  if (
    e instanceof ModelLoadError ||
    e instanceof RunnerError ||
    e instanceof RegistryError ||
    e instanceof DigestMismatchError ||
    // A model's output its parser cannot read: Ollama answers the parser's own message. A peer replica that failed
    // is named in the message.
    e instanceof ParserError ||
    e instanceof PeerError
  )
    return { status: 500, message };
  // Fastify's own errors (a body that is not JSON, one too large) carry a 4xx status and a readable message.
  const status = (e as { statusCode?: number } | null | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { status, message: fastifyMessage(e) };
  return { status: 500, message: `internal error: ${message}` };
}

function fastifyMessage(e: unknown): string {
  const err = e as { code?: string; message: string };
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `invalid JSON in the request body: ${err.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is too large'; // app.ts names the limit before it gets here
    default:
      return err.message;
  }
}
