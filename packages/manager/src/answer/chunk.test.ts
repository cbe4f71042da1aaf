// joinChunks builds a stream:false answer from its chunks: text fields concatenated, lists appended, and
// fields no chunk had left out (Ollama omits empty thinking and tool_calls).
import { expect, it } from 'vitest';
import { joinChunks } from './chunk.ts';

it('joins content and thinking, appends tool calls and log probabilities, omits what no chunk had', () => {
  const call = (name: string) => ({ function: { name, arguments: { city: 'Paris' } } });
  expect(joinChunks([])).toEqual({ content: '' });
  expect(joinChunks([{ content: 'Hel' }, { content: 'lo' }])).toEqual({ content: 'Hello' });
  expect(
    joinChunks([
      { thinking: 'Let me ' },
      { thinking: 'see.', logprobs: [{ token: 'see', logprob: -0.5 }] },
      { toolCalls: [call('weather')], logprobs: [{ token: '.', logprob: -0.1 }] },
      { content: 'Done', toolCalls: [call('time')] },
    ]),
  ).toEqual({
    content: 'Done',
    thinking: 'Let me see.',
    toolCalls: [call('weather'), call('time')],
    logprobs: [
      { token: 'see', logprob: -0.5 },
      { token: '.', logprob: -0.1 },
    ],
  });
});
