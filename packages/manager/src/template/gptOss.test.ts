// gpt-oss's Ollama template (testkit GPT_OSS_TEMPLATE) in the shapes the contract test (contract/harmony.test.ts)
// does not reach: system messages as the developer message's instructions, built-in browser and python tools,
// every property type as TypeScript (sorted by name, as Go ranges a map), built-in calls on the analysis
// channel, thinking dropped before the last user message, the two prefills (the template leaves <|end|> off
// every final or analysis message once the last one is a prefill, as Ollama does), and call arguments as Go
// prints them (absent ones as {}, -0 kept, <, > and & escaped). The expected strings were rendered by Go's
// text/template (go1.19.8) through Ollama's template.Execute by scripts/go-template-check on 2026-12-06, with
// today's date as <TODAY>.
import { GPT_OSS_TEMPLATE } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { weather } from '../contract/toolFixtures.ts';
import { type PromptValues, renderPrompt } from './prompt.ts';

/** The prompt with today's date (currentDate) written as <TODAY>, as the Go check writes it. */
function rendered(values: PromptValues): string {
  const today = new Date().toISOString().slice(0, 10);
  return renderPrompt(GPT_OSS_TEMPLATE, values).replace(
    `Current date: ${today}\n`,
    'Current date: <TODAY>\n',
  );
}

const ping = { type: 'function', function: { name: 'ping' } };
const lookup = {
  type: 'function',
  function: {
    name: 'lookup',
    description: 'Look a thing up',
    parameters: {
      type: 'object',
      required: ['zeta'],
      properties: {
        zeta: { type: 'string', description: 'What to look up' },
        alpha: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        list: { type: 'array', items: { type: 'string' } },
        flag: { type: 'boolean' },
        obj: {
          type: 'object',
          description: 'Extra <options> & more',
          properties: { b: { type: 'string' }, a: { type: 'integer' } },
        },
        either: { type: ['string', 'null'] },
      },
    },
  },
};
/** A built-in tool's definition: the template writes its own text for it and ignores this one. */
const builtin = (name: string) => ({
  type: 'function',
  function: {
    name,
    description: 'built in',
    parameters: { type: 'object', properties: { q: { type: 'string' } } },
  },
});

describe('the gpt-oss template as Go renders it', () => {
  it('system messages merged into the developer message, user turns merged, think low', () => {
    expect(
      rendered({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
          { role: 'user', content: 'Weather?' },
        ],
        think: 'low',
      }),
    ).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        'Knowledge cutoff: 2024-06\nCurrent date: <TODAY>\n\nReasoning: low\n\n' +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>' +
        '<|start|>developer<|message|>\n\n# Instructions\n\nBe brief.\n\nAnswer in French.<|end|>' +
        '<|start|>user<|message|>Hi\n\nWeather?<|end|>' +
        '<|start|>assistant',
    );
  });

  it('built-in tools, function tools with every property type, think false', () => {
    expect(
      rendered({
        messages: [{ role: 'user', content: 'Go' }],
        tools: [builtin('browser.search'), builtin('browser.open'), builtin('python'), lookup, ping],
        think: false,
      }),
    ).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        'Knowledge cutoff: 2024-06\nCurrent date: <TODAY>\n\n# Tools\n\n## browser\n\n' +
        '// Tool for browsing.\n' +
        '// The cursor appears in brackets before each browsing display, like [cursor].\n' +
        '// Cite information from the tool using the line-citation format shown by the browser output.\n' +
        '// Do not quote more than 10 words directly from the tool output.\n' +
        '// sources=web (default: web)\nnamespace browser {\n\n' +
        '// Searches for information related to query and displays topn results.\n' +
        'type search = (_: {\nquery: string,\ntopn?: number, // default: 10\nsource?: string,\n' +
        '}) => any;\n\n' +
        '// Opens the link id from the page indicated by cursor starting at line number loc, showing num_lines lines.\n' +
        '// If cursor is not provided, the most recent page is implied.\n' +
        '// If id is a string, it is treated as a fully qualified URL associated with source.\n' +
        '// If loc is not provided, the viewport will be positioned at the beginning of the document or centered on the most relevant passage, if available.\n' +
        '// Use this function without id to scroll to a new location of an opened page.\n' +
        'type open = (_: {\nid?: number | string, // default: -1\ncursor?: number, // default: -1\n' +
        'loc?: number, // default: -1\nnum_lines?: number, // default: -1\n' +
        'view_source?: boolean, // default: false\nsource?: string,\n}) => any;\n\n' +
        '} // namespace browser\n\n## python\n\n' +
        'Use this tool to execute Python code in your chain of thought. The code will not be shown to the user. This tool should be used for internal reasoning, but not for code that is intended to be visible to the user (e.g. when creating plots, tables, or files).\n' +
        '\n' +
        "When you send a message containing Python code to python, it will be executed in a stateful Jupyter notebook environment. python will respond with the output of the execution or time out after 120.0 seconds. The drive at '/mnt/data' can be used to save and persist user files. Internet access for this session is UNKNOWN. Depends on the cluster.\n" +
        '\n' +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.\n' +
        "Calls to these tools must go to the commentary channel: 'functions'.<|end|>" +
        '<|start|>developer<|message|># Tools\n\n## functions\n\nnamespace functions {\n\n' +
        '// Look a thing up\ntype lookup = (_: {\n  alpha: string | number,\n' +
        '  either: string | null,\n  flag: boolean,\n  list: any[],\n  // Extra <options> & more\n' +
        '  obj: Record<string, any>,\n  // What to look up\n  zeta: string,\n}) => any;\n\n' +
        'type ping = () => any;\n\n} // namespace functions<|end|>' +
        '<|start|>user<|message|>Go<|end|>' +
        '<|start|>assistant',
    );
  });

  it('only built-in tools: no developer message', () => {
    expect(
      rendered({
        messages: [{ role: 'user', content: 'Find it' }],
        tools: [builtin('browser.find')],
        think: true,
      }),
    ).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        'Knowledge cutoff: 2024-06\nCurrent date: <TODAY>\n\nReasoning: medium\n\n# Tools\n\n## browser\n\n' +
        '// Tool for browsing.\n' +
        '// The cursor appears in brackets before each browsing display, like [cursor].\n' +
        '// Cite information from the tool using the line-citation format shown by the browser output.\n' +
        '// Do not quote more than 10 words directly from the tool output.\n' +
        '// sources=web (default: web)\nnamespace browser {\n\n' +
        '// Finds exact matches of pattern in the current page, or the page given by cursor.\n' +
        'type find = (_: {\npattern: string,\ncursor?: number, // default: -1\n}) => any;\n\n' +
        '} // namespace browser\n\n' +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>' +
        '<|start|>user<|message|>Find it<|end|>' +
        '<|start|>assistant',
    );
  });

  it('history: thinking before the last user dropped, a python call and result, a prefilled answer', () => {
    expect(
      rendered({
        messages: [
          { role: 'user', content: 'Compute' },
          {
            role: 'assistant',
            content: '',
            thinking: 'plan',
            tool_calls: [
              { function: { index: 0, name: 'python', arguments: { code: 'print(1<2 and 3>2)' } } },
            ],
          },
          { role: 'tool', content: 'True', tool_name: 'python' },
          { role: 'assistant', content: 'It is True', thinking: 'old' },
          { role: 'user', content: 'And then?' },
          { role: 'assistant', content: 'Here', thinking: 'now' },
        ],
        tools: [builtin('python')],
        think: true,
      }),
    ).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        'Knowledge cutoff: 2024-06\nCurrent date: <TODAY>\n\nReasoning: medium\n\n# Tools\n\n## python\n\n' +
        'Use this tool to execute Python code in your chain of thought. The code will not be shown to the user. This tool should be used for internal reasoning, but not for code that is intended to be visible to the user (e.g. when creating plots, tables, or files).\n' +
        '\n' +
        "When you send a message containing Python code to python, it will be executed in a stateful Jupyter notebook environment. python will respond with the output of the execution or time out after 120.0 seconds. The drive at '/mnt/data' can be used to save and persist user files. Internet access for this session is UNKNOWN. Depends on the cluster.\n" +
        '\n' +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>' +
        '<|start|>user<|message|>Compute<|end|>' +
        '<|start|>assistant<|channel|>analysis to=python <|constrain|>json<|message|>{"code":"print(1\\u003c2 and 3\\u003e2)"}<|call|>' +
        '<|start|>python to=assistant<|message|>True<|end|>' +
        '<|start|>assistant<|channel|>final<|message|>It is True<|start|>user<|message|>And then?<|end|>' +
        '<|start|>assistant<|channel|>analysis<|message|>now<|end|>' +
        '<|start|>assistant<|channel|>final<|message|>Here',
    );
  });

  it('a prefill with thinking only, nested call arguments in sorted key order', () => {
    expect(
      rendered({
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: '',
            thinking: 'call it',
            tool_calls: [
              {
                function: {
                  index: 0,
                  name: 'get_weather',
                  arguments: { unit: 'c', city: { name: 'Paris', country: 'FR' } },
                },
              },
              { function: { index: 1, name: 'ping', arguments: {} } },
            ],
          },
          { role: 'tool', content: '12', tool_name: 'get_weather' },
          { role: 'tool', content: 'pong', tool_name: 'ping' },
          { role: 'assistant', content: '', thinking: 'Let me' },
        ],
        tools: [weather, ping],
        think: 'high',
      }),
    ).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        'Knowledge cutoff: 2024-06\nCurrent date: <TODAY>\n\nReasoning: high\n\n' +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.\n' +
        "Calls to these tools must go to the commentary channel: 'functions'.<|end|>" +
        '<|start|>developer<|message|># Tools\n\n## functions\n\nnamespace functions {\n\n' +
        '// Get the current weather for a city\ntype get_weather = (_: {\n  // The city\n' +
        '  city: string,\n}) => any;\n\ntype ping = () => any;\n\n} // namespace functions<|end|>' +
        '<|start|>user<|message|>Weather?<|end|>' +
        '<|start|>assistant<|channel|>analysis<|message|>call it<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":{"country":"FR","name":"Paris"},"unit":"c"}<|call|>' +
        '<|start|>assistant<|channel|>commentary to=functions.ping <|constrain|>json<|message|>{}<|call|>' +
        '<|start|>functions.get_weather to=assistant<|message|>12<|end|>' +
        '<|start|>functions.ping to=assistant<|message|>pong<|end|>' +
        '<|start|>assistant<|channel|>analysis<|message|>Let me',
    );
  });

  it("no user message, a call without arguments, numbers and characters Go's JSON escapes", () => {
    expect(
      rendered({
        messages: [
          {
            role: 'assistant',
            content: '',
            thinking: 'first',
            tool_calls: [
              { function: { index: 0, name: 'ping' } },
              {
                function: {
                  index: 1,
                  name: 'odd',
                  arguments: {
                    n: [1.0, 1e-7, 1e21, 0.1, -0.0, 12345678901234567000, -5],
                    s: '<a & b> \u2028 \u2029 \u00e9 "q" \\ \t',
                  },
                },
              },
            ],
          },
          { role: 'tool', content: '<ok>' },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'odd',
              description: 'Two\nlines',
              parameters: {
                type: 'object',
                properties: {
                  untyped: { description: 'no type' },
                  nested: { anyOf: [{ type: ['integer', 'null'] }, { type: 'array' }] },
                },
              },
            },
          },
          { type: 'function', function: { name: 'empty', parameters: { type: 'object', properties: {} } } },
        ],
        think: false,
      }),
    ).toBe(
      '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' +
        'Knowledge cutoff: 2024-06\nCurrent date: <TODAY>\n\n' +
        '# Valid channels: analysis, commentary, final. Channel must be included for every message.\n' +
        "Calls to these tools must go to the commentary channel: 'functions'.<|end|>" +
        '<|start|>developer<|message|># Tools\n\n## functions\n\nnamespace functions {\n\n// Two\nlines\n' +
        'type odd = (_: {\n  nested: number | null | any[],\n  // no type\n  untyped: any,\n' +
        '}) => any;\n\ntype empty = () => any;\n\n} // namespace functions<|end|>' +
        '<|start|>assistant<|channel|>analysis<|message|>first<|end|>' +
        '<|start|>assistant<|channel|>commentary to=functions.ping <|constrain|>json<|message|>{}<|call|>' +
        '<|start|>assistant<|channel|>commentary to=functions.odd <|constrain|>json<|message|>{"n":[1,1e-7,1e+21,0.1,-0,12345678901234567000,-5],"s":"\\u003ca \\u0026 b\\u003e \\u2028 \\u2029 é \\"q\\" \\\\ \\t"}<|call|>' +
        '<|start|>functions. to=assistant<|message|><ok><|end|>' +
        '<|start|>assistant',
    );
  });
});
