// How much work one template may do: checked as it runs (a step counter and a clock), so a 60-byte template
// that ranges over 99999999999 is stopped after the limit, not after it has filled the heap.
import { TemplateLimitError } from './errors.ts';

export type TemplateLimits = {
  /** Actions, range iterations and function calls, together. */
  maxSteps: number;
  /** Characters of rendered text, and of any one value a function makes. */
  maxOutput: number;
  /** Blocks (if/range/with) and parentheses nested in one another. */
  maxDepth: number;
  /** Wall-clock time for one rendering. */
  maxMs: number;
};

// A long conversation through a real model template takes a few thousand steps and well under 100 ms here;
// these leave room for any real template while bounding what a hostile one can take.
export const TEMPLATE_LIMITS: TemplateLimits = {
  maxSteps: 1_000_000,
  maxOutput: 16 * 1024 * 1024,
  maxDepth: 100,
  maxMs: 2_000,
};

/** Counts steps and checks the clock every 16 of them (one step can be a len or a print of megabytes); throws TemplateLimitError naming the limit. */
export class Budget {
  private steps = 0;
  private readonly deadline: number;

  constructor(readonly limits: TemplateLimits = TEMPLATE_LIMITS) {
    this.deadline = performance.now() + limits.maxMs;
  }

  step(): void {
    this.steps++;
    if (this.steps > this.limits.maxSteps) {
      throw new TemplateLimitError(
        `the template ran more than ${this.limits.maxSteps} steps (actions and range iterations): a model template must not loop that long`,
      );
    }
    if ((this.steps & 15) === 0 && performance.now() > this.deadline) {
      throw new TemplateLimitError(`the template took longer than ${this.limits.maxMs} ms to render`);
    }
  }

  size(length: number): void {
    if (length > this.limits.maxOutput) {
      throw new TemplateLimitError(
        `the template produced more than ${this.limits.maxOutput / (1024 * 1024)} MiB of text`,
      );
    }
  }
}

export function depthError(limit: number): TemplateLimitError {
  return new TemplateLimitError(`the template nests blocks or parentheses more than ${limit} deep`);
}
