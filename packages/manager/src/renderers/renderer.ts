// The built-in prompt renderers a model's config names (`"renderer": "qwen3-coder"`, …), as Ollama's
// model/renderers registry has them: for these families Ollama writes the prompt in Go code instead of running
// the model's template, and its registry ships the template as a stub. Each renderer is the counterpart of the
// output parser of the same family (parsers/): what one writes, the other reads back.
import type { ThinkValue } from '../parsers/builtinParser.ts';
import type { TemplateMessage } from '../template/prompt.ts';
import type { ToolDefinition } from '../tools/types.ts';

export interface Renderer {
  /**
   * The whole prompt for these messages, ending where the model's answer starts (or inside a last assistant
   * message, which the model continues). `think` is the request's value after the capability check: undefined
   * when the request did not set it.
   */
  render(
    messages: TemplateMessage[],
    tools: ToolDefinition[] | undefined,
    think: ThinkValue | undefined,
  ): string;
}
