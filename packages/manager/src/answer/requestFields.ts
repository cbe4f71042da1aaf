// Reading the fields of generate and chat requests: each checked, with a message naming the field when wrong.

import { BadRequestError } from '../errors.ts';
import type { Body } from '../http/validate.ts';
import type { OutputFormat } from '../runner/protocol.ts';
import { requestImages } from './images.ts';
import type { ChatRequest } from './promptInput.ts';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

export function chatMessages(body: Body): ChatRequest['messages'] {
  const v = body.messages;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BadRequestError('messages must be a list of {"role", "content"} objects');
  return v.map((m, i) => {
    if (!m || typeof m !== 'object')
      throw new BadRequestError(`messages[${i}] must be an object with role and content`);
    const { role, content, images, tool_calls, tool_name, tool_call_id, thinking } = m as Record<
      string,
      unknown
    >;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw new BadRequestError(
        `messages[${i}].role must be one of system, user, assistant, tool; got ${JSON.stringify(role)}`,
      );
    }
    if (content !== undefined && content !== null && typeof content !== 'string') {
      throw new BadRequestError(`messages[${i}].content must be a string`);
    }
    if (tool_calls !== undefined && tool_calls !== null && !Array.isArray(tool_calls)) {
      throw new BadRequestError(`messages[${i}].tool_calls must be a list`);
    }
    const checkedImages = requestImages(images, `messages[${i}].images`);
    return {
      role: role as ChatRequest['messages'][number]['role'],
      content: (content as string | undefined) ?? '',
      ...(Array.isArray(tool_calls) ? { tool_calls } : {}),
      ...(typeof tool_name === 'string' ? { tool_name } : {}),
      ...(typeof tool_call_id === 'string' ? { tool_call_id } : {}),
      ...(typeof thinking === 'string' ? { thinking } : {}),
      ...(checkedImages.length ? { images: checkedImages } : {}),
    };
  });
}

export function tools(body: Body): unknown[] | undefined {
  const v = body.tools;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((t) => !t || typeof t !== 'object')) {
    throw new BadRequestError('tools must be a list of {"type": "function", "function": {...}} objects');
  }
  return v;
}

/** `format`: "json", a JSON schema object, or absent ("" too, as Ollama treats it). */
export function outputFormat(body: Body): OutputFormat | undefined {
  const v = body.format;
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'json') return { kind: 'json' };
  if (typeof v === 'object' && !Array.isArray(v)) return { kind: 'schema', schema: v };
  throw new BadRequestError(`format must be "json" or a JSON schema object, not ${JSON.stringify(v)}`);
}

/** /api/generate's `context`: the token ids a previous answer returned. */
export function contextTokens(body: Body): number[] | undefined {
  const v = body.context;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new BadRequestError(
      'context must be the list of token ids a previous /api/generate answer returned',
    );
  }
  return v as number[];
}

/** /api/generate's `images`, checked (images.ts). */
export function generateImages(body: Body): string[] {
  return requestImages(body.images, 'images');
}

/** Whether a request brings any image (the model must then have the vision capability). */
export function hasImages(kind: 'generate' | 'chat', body: Body): boolean {
  const some = (v: unknown) => Array.isArray(v) && v.length > 0;
  if (kind === 'generate') return some(body.images);
  return Array.isArray(body.messages) && body.messages.some((m) => some((m as { images?: unknown })?.images));
}

/**
 * `think`: true, false, or a level, as Ollama's api.ThinkValue reads it (and with its messages for anything
 * else).
 */
export function thinkField(body: Body): boolean | 'high' | 'medium' | 'low' | 'max' | undefined {
  const v = body.think;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (v === 'high' || v === 'medium' || v === 'low' || v === 'max') return v;
    throw new BadRequestError(
      `invalid think value: ${JSON.stringify(v)} (must be "high", "medium", "low", "max", true, or false)`,
    );
  }
  throw new BadRequestError(
    'think must be a boolean or string ("high", "medium", "low", "max", true, or false)',
  );
}
