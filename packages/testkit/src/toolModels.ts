// The two deterministic models the tool-call and thinking tests share (ollama and openai clients, the Responses
// and Anthropic APIs): what they answer, and how they are written and imported for startManagerWithModels.
import type { TestModel } from './managerWithModels.ts';
import { QWEN25_TOOLS_TEMPLATE, THINKER_TEMPLATE } from './templates.ts';

/** What the weather caller answers first: a qwen2.5-style call of get_weather for Paris. */
export const WEATHER_CALL = '<tool_call> {"name":"get_weather", "arguments":{"city":"Paris"}} </tool_call>';
/** What it answers once the tool's result is in the prompt (qwen2.5's template ends that with "…:"). */
export const WEATHER_FINAL = 'It is 22 degrees and sunny in Paris.';
/** What the thinker answers: a <think> block, then the answer. */
export const THINKER_ANSWER = '<think> Checking the sky </think> Sunny!';

/** Calls get_weather through qwen2.5's tools template, then answers WEATHER_FINAL after the tool result. */
export const WEATHER_CALLER: TestModel = {
  kind: 'det',
  options: {
    sentence: WEATHER_CALL,
    continuations: [{ after: ':', sentence: WEATHER_FINAL }],
    shape: { vocab: 1024 },
  },
  template: QWEN25_TOOLS_TEMPLATE,
};

/** Answers THINKER_ANSWER through a <think> template, so the manager splits thinking from content. */
export const THINKER: TestModel = {
  kind: 'det',
  options: { sentence: THINKER_ANSWER },
  template: THINKER_TEMPLATE,
};
