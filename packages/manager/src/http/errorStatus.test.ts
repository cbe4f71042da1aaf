// The one place errors become statuses (issue 19): whatever was thrown reads as words, never
// "internal error: [object Object]"; a body past the limit is 413; a template past its limits is 400.
import { describe, expect, it } from 'vitest';
import { BadRequestError, errorMessage, PayloadTooLargeError } from '../errors.ts';
import { TemplateLimitError } from '../template/errors.ts';
import { errorStatus } from './errorStatus.ts';

describe('errorStatus', () => {
  it.each([
    [{ message: 'the addon said no' }, 'the addon said no'],
    [{ code: 42 }, '{"code":42}'],
    ['a thrown string', 'a thrown string'],
    [undefined, 'undefined'],
    [7, '7'],
    [new Error(''), 'Error'],
  ])('reads a thrown %j as words', (thrown, words) => {
    expect(errorMessage(thrown)).toBe(words);
    const { status, message } = errorStatus(thrown);
    expect(status).toBe(500);
    expect(message).toBe(`internal error: ${words}`);
    expect(message).not.toContain('[object Object]');
  });

  it('survives a value that cannot be turned into JSON, and null', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorStatus(cyclic)).toEqual({ status: 500, message: `internal error: ${String(cyclic)}` });
    expect(errorStatus({ n: 10n }).status).toBe(500);
    expect(errorStatus(null)).toEqual({ status: 500, message: 'internal error: null' });
  });

  it('maps the limits of issue 19 to their statuses', () => {
    expect(
      errorStatus(new PayloadTooLargeError('the request body is larger than the limit of 4 MiB')),
    ).toEqual({
      status: 413,
      message: 'the request body is larger than the limit of 4 MiB',
    });
    expect(errorStatus(new TemplateLimitError('the template ran more than 1000000 steps'))).toEqual({
      status: 400,
      message: 'template: the template ran more than 1000000 steps',
    });
    expect(errorStatus(new BadRequestError('options.num_thread 9 is more than the 2 CPUs')).status).toBe(400);
  });
});
