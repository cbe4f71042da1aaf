// Checks on request bodies at the edge, with messages that say which field is wrong and what it should be.
import { BadRequestError } from '../errors.ts';

export type Body = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function asBody(body: unknown): Body {
  if (body === undefined || body === null || body === '') {
    throw new BadRequestError('missing request body: send a JSON object');
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('the request body must be a JSON object');
  }
  return body as Body;
}

export function optionalString(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`${field} must be a string, not ${JSON.stringify(v)}`);
  return v;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new BadRequestError(`${field} must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

/** A string or a list of strings (a Modelfile's LICENSE may be several); null is absent. */
export function optionalStringOrList(body: Body, field: string): string | string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new BadRequestError(`${field} must be a string or a list of strings, not ${JSON.stringify(v)}`);
}

/** A whole number (Go's int fields: 1.5 or "8" does not decode there either). */
export function optionalInteger(body: Body, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new BadRequestError(`${field} must be a whole number, not ${JSON.stringify(v)}`, field);
  }
  return v;
}

/** The model a request names: `model`, or `name` as older clients (and ollama-js for some routes) send it. */
export function modelField(body: Body, field = 'model'): string {
  const v = optionalString(body, field) ?? optionalString(body, 'name');
  if (!v?.trim()) throw new BadRequestError(`${field} is required`);
  return v.trim();
}

export function optionalObject(body: Body, field: string): Record<string, unknown> | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new BadRequestError(`${field} must be a JSON object, not ${JSON.stringify(v)}`);
  }
  return v as Record<string, unknown>;
}

/**
 * How deeply a parsed JSON value nests, walked without recursion (so the check itself cannot overflow the stack),
 * stopping as soon as it passes `limit`.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** A finite number (JSON has no others, but 1e999 parses to Infinity); the error names the field as `param`. */
export function optionalNumber(body: Body, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new BadRequestError(`${field} must be a number, not ${JSON.stringify(v)}`, field);
  }
  return v;
}

/** A list of strings (stop sequences, tags); null is absent. */
export function optionalStrings(body: Body, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new BadRequestError(`${field} must be a list of strings`, field);
  }
  return v as string[];
}
