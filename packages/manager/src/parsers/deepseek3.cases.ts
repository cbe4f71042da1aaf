// Ollama's model/parsers/deepseek3_test.go tables, converted from the Go source (the same inputs and expected
// values; a call's index is written out where Go's zero value left it implicit).
type Call = { function: { index: number; name: string; arguments: Record<string, unknown> } };

/** TestDeepSeekParser: one Add of the whole output. */
export const WHOLE: {
  name: string;
  input: string;
  content: string;
  thinking: string;
  calls: Call[];
  hasThinking: boolean;
}[] = [
  {
    name: 'simple_content',
    input: 'Hello, how are you?',
    content: 'Hello, how are you?',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'thinking_content',
    input: 'I need to think about this...</think>The answer is 42.',
    content: 'The answer is 42.',
    thinking: 'I need to think about this...',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'no_thinking_simple',
    input: 'Just a regular response.',
    content: 'Just a regular response.',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'thinking_with_newlines',
    input: "Let me think:\n- Point 1\n- Point 2</think>\n\nHere's my answer.",
    content: "Here's my answer.",
    thinking: 'Let me think:\n- Point 1\n- Point 2',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'tool_call_simple',
    input:
      'I\'ll check the weather.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":"Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: "I'll check the weather.",
    thinking: '',
    calls: [{ function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } }],
    hasThinking: false,
  },
  {
    name: 'multiple_tool_calls',
    input:
      'Getting weather for both cities.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":"Paris"}<｜tool▁call▁end｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":"London"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Getting weather for both cities.',
    thinking: '',
    calls: [
      { function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } },
      { function: { index: 1, name: 'get_weather', arguments: { location: 'London' } } },
    ],
    hasThinking: false,
  },
  {
    name: 'tool_output',
    input:
      "Here's the weather: <｜tool▁output▁begin｜>Temperature: 22°C, Sunny<｜tool▁output▁end｜> Hope that helps!",
    content: "Here's the weather: Temperature: 22°C, Sunny Hope that helps!",
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'complex_tool_arguments',
    input:
      'Processing data.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>process_data<｜tool▁sep｜>{"items":["item1","item2"],"config":{"enabled":true,"threshold":0.95}}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Processing data.',
    thinking: '',
    calls: [
      {
        function: {
          index: 0,
          name: 'process_data',
          arguments: { items: ['item1', 'item2'], config: { enabled: true, threshold: 0.95 } },
        },
      },
    ],
    hasThinking: false,
  },
  {
    name: 'thinking_with_tool_call',
    input:
      'Let me check the weather...</think>I\'ll get that for you.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":"Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: "I'll get that for you.",
    thinking: 'Let me check the weather...',
    calls: [{ function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } }],
    hasThinking: true,
  },
  { name: 'empty_content', input: '', content: '', thinking: '', calls: [], hasThinking: false },
  {
    name: 'only_thinking',
    input: 'Just thinking content</think>',
    content: '',
    thinking: 'Just thinking content',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'multiple_tool_outputs',
    input:
      'Results: <｜tool▁output▁begin｜>Paris: 22°C<｜tool▁output▁end｜> and <｜tool▁output▁begin｜>London: 18°C<｜tool▁output▁end｜>',
    content: 'Results: Paris: 22°C and London: 18°C',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'unicode_content',
    input: 'مرحبا بالعالم! 你好世界! 🌍',
    content: 'مرحبا بالعالم! 你好世界! 🌍',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'emoji_passthrough',
    input: 'Task completed ✅ 🎉',
    content: 'Task completed ✅ 🎉',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'emoji_after_tool_call',
    input:
      'I\'ll help you.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":"Tokyo"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>完成 ✅',
    content: "I'll help you.完成 ✅",
    thinking: '',
    calls: [{ function: { index: 0, name: 'get_weather', arguments: { location: 'Tokyo' } } }],
    hasThinking: false,
  },
  {
    name: 'newlines_and_whitespace',
    input: 'Line 1\n\nLine 3\t\tTabbed content',
    content: 'Line 1\n\nLine 3\t\tTabbed content',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'thinking_with_unicode',
    input: '我在思考这个问题...</think>答案是42。',
    content: '答案是42。',
    thinking: '我在思考这个问题...',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'tool_call_with_unicode_args',
    input:
      'Searching for information.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>search<｜tool▁sep｜>{"query":"北京天气","language":"中文"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Searching for information.',
    thinking: '',
    calls: [{ function: { index: 0, name: 'search', arguments: { query: '北京天气', language: '中文' } } }],
    hasThinking: false,
  },
  {
    name: 'tool_output_with_unicode',
    input: '天气信息: <｜tool▁output▁begin｜>北京: 25°C, 晴天<｜tool▁output▁end｜> 希望对您有帮助!',
    content: '天气信息: 北京: 25°C, 晴天 希望对您有帮助!',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'mixed_content_with_special_chars',
    input: 'Price: $100 & tax @ 10% = $110 <｜tool▁output▁begin｜>Total: $110<｜tool▁output▁end｜> (final)',
    content: 'Price: $100 & tax @ 10% = $110 Total: $110 (final)',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'tool_call_with_special_chars',
    input:
      'Processing data.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>execute_command<｜tool▁sep｜>{"command":"ls && echo \\"done\\"","path":"/home/user"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Processing data.',
    thinking: '',
    calls: [
      {
        function: {
          index: 0,
          name: 'execute_command',
          arguments: { command: 'ls && echo "done"', path: '/home/user' },
        },
      },
    ],
    hasThinking: false,
  },
  {
    name: 'thinking_with_special_chars',
    input: 'Let me calculate: 2+2=4 & 3*3=9...</think>The results are correct!',
    content: 'The results are correct!',
    thinking: 'Let me calculate: 2+2=4 & 3*3=9...',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'empty_tool_call_args',
    input:
      'Pinging server.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>ping<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Pinging server.',
    thinking: '',
    calls: [{ function: { index: 0, name: 'ping', arguments: {} } }],
    hasThinking: false,
  },
  {
    name: 'empty_tool_output',
    input: 'Checking status: <｜tool▁output▁begin｜><｜tool▁output▁end｜> No output received.',
    content: 'Checking status:  No output received.',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
];

/** TestDeepSeekParser_Streaming: the output in Ollama's pieces. */
export const STREAMED: {
  name: string;
  chunks: string[];
  content: string;
  thinking: string;
  calls: Call[];
  hasThinking: boolean;
}[] = [
  {
    name: 'streaming_simple_content',
    chunks: ['Hello, ', 'how are ', 'you?'],
    content: 'Hello, how are you?',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'streaming_thinking',
    chunks: ['I need to ', 'think about this', '...</think>', 'The answer is 42.'],
    content: 'The answer is 42.',
    thinking: 'I need to think about this...',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'streaming_tool_call',
    chunks: [
      "I'll check weather.",
      '<｜tool▁calls▁begin｜>',
      '<｜tool▁call▁begin｜>get_weather',
      '<｜tool▁sep｜>{"location":"Paris"}',
      '<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    ],
    content: "I'll check weather.",
    thinking: '',
    calls: [{ function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } }],
    hasThinking: false,
  },
  {
    name: 'streaming_thinking_with_partial_tag',
    chunks: ['Thinking about this', '...</', 'think>', 'Done thinking.'],
    content: 'Done thinking.',
    thinking: 'Thinking about this...',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'streaming_tool_output',
    chunks: ['Weather info: ', '<｜tool▁output▁begin｜>', '25°C, Sunny', '<｜tool▁output▁end｜>', ' Enjoy!'],
    content: 'Weather info: 25°C, Sunny Enjoy!',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'streaming_with_split_tags',
    chunks: [
      'Content before ',
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>test',
      '<｜tool▁sep｜>{}',
      '<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
      ' after',
    ],
    content: 'Content before  after',
    thinking: '',
    calls: [{ function: { index: 0, name: 'test', arguments: {} } }],
    hasThinking: false,
  },
  {
    name: 'streaming_thinking_with_split_end_tag',
    chunks: ['Thinking content', '</th', 'ink>', 'Regular content'],
    content: 'Regular content',
    thinking: 'Thinking content',
    calls: [],
    hasThinking: true,
  },
  {
    name: 'streaming_unicode_content',
    chunks: ['مرحبا ', 'بالعالم! ', '你好', '世界!'],
    content: 'مرحبا بالعالم! 你好世界!',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'streaming_multiple_tool_outputs',
    chunks: [
      'Results: ',
      '<｜tool▁output▁begin｜>',
      'Paris: 22°C',
      '<｜tool▁output▁end｜>',
      ' and ',
      '<｜tool▁output▁begin｜>',
      'London: 18°C',
      '<｜tool▁output▁end｜>',
    ],
    content: 'Results: Paris: 22°C and London: 18°C',
    thinking: '',
    calls: [],
    hasThinking: false,
  },
  {
    name: 'streaming_tool_call_with_split_json',
    chunks: [
      'Processing.',
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>calc<｜tool▁sep｜>{"x":',
      '42,"y":',
      '24}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    ],
    content: 'Processing.',
    thinking: '',
    calls: [{ function: { index: 0, name: 'calc', arguments: { x: 42, y: 24 } } }],
    hasThinking: false,
  },
];

/** TestDeepSeek3Parser_parseToolCallContent: null where Ollama expects an error. */
export const CALL_TEXT: { name: string; content: string; expected: Call | null }[] = [
  {
    name: 'valid_tool_call',
    content: 'get_weather<｜tool▁sep｜>{"location":"Paris"}',
    expected: { function: { index: 0, name: 'get_weather', arguments: { location: 'Paris' } } },
  },
  {
    name: 'complex_arguments',
    content: 'process_data<｜tool▁sep｜>{"items":["a","b"],"config":{"enabled":true}}',
    expected: {
      function: {
        index: 0,
        name: 'process_data',
        arguments: { items: ['a', 'b'], config: { enabled: true } },
      },
    },
  },
  {
    name: 'empty_arguments',
    content: 'ping<｜tool▁sep｜>{}',
    expected: { function: { index: 0, name: 'ping', arguments: {} } },
  },
  {
    name: 'unicode_in_tool_name',
    content: '获取天气<｜tool▁sep｜>{"城市":"北京"}',
    expected: { function: { index: 0, name: '获取天气', arguments: { 城市: '北京' } } },
  },
  {
    name: 'special_chars_in_arguments',
    content: 'execute<｜tool▁sep｜>{"command":"ls && echo \\"done\\"","path":"/home/user"}',
    expected: {
      function: {
        index: 0,
        name: 'execute',
        arguments: { command: 'ls && echo "done"', path: '/home/user' },
      },
    },
  },
  {
    name: 'numeric_arguments',
    content: 'calculate<｜tool▁sep｜>{"x":3.14,"y":42,"enabled":true}',
    expected: { function: { index: 0, name: 'calculate', arguments: { x: 3.14, y: 42, enabled: true } } },
  },
  { name: 'invalid_format_no_separator', content: 'get_weather{"location":"Paris"}', expected: null },
  { name: 'invalid_json', content: 'get_weather<｜tool▁sep｜>{invalid json}', expected: null },
  {
    name: 'empty_tool_name',
    content: '<｜tool▁sep｜>{"arg":"value"}',
    expected: { function: { index: 0, name: '', arguments: { arg: 'value' } } },
  },
  { name: 'missing_json_part', content: 'tool_name<｜tool▁sep｜>', expected: null },
];

/** TestDeepSeekParser_EdgeCases. */
export const EDGE: {
  name: string;
  input: string;
  content: string;
  thinking: string;
  hasThinking: boolean;
}[] = [
  {
    name: 'nested_think_tags_in_thinking',
    input: 'Outer thinking <think>inner</think> content</think>Final content',
    content: 'content</think>Final content',
    thinking: 'Outer thinking <think>inner',
    hasThinking: true,
  },
  {
    name: 'multiple_think_close_tags',
    input: 'First thought</think>Second thought</think>Final content',
    content: 'Second thought</think>Final content',
    thinking: 'First thought',
    hasThinking: true,
  },
  {
    name: 'empty_thinking_content',
    input: '</think>Just content',
    content: 'Just content',
    thinking: '',
    hasThinking: true,
  },
  {
    name: 'thinking_disabled_with_think_tags',
    input: 'Some content</think>More content',
    content: 'Some content</think>More content',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'malformed_tool_call_missing_sep',
    input:
      'Testing.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>bad_tool{"arg":"value"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Testing.',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'malformed_tool_call_invalid_json',
    input:
      'Testing.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>bad_tool<｜tool▁sep｜>{invalid json}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'Testing.',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'partial_tool_tag_at_end',
    input: 'Content with partial <｜tool▁calls▁',
    content: 'Content with partial <｜tool▁calls▁',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'partial_think_tag_at_end',
    input: 'Thinking content</th',
    content: 'Thinking content</th',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'partial_think_tag_at_end_with_thinking',
    input: 'Thinking content</th',
    content: '',
    thinking: 'Thinking content',
    hasThinking: true,
  },
  {
    name: 'whitespace_only_content',
    input: '   \n\t   ',
    content: '   \n\t   ',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'tool_output_with_newlines',
    input: 'Output:\n<｜tool▁output▁begin｜>Line 1\nLine 2\nLine 3<｜tool▁output▁end｜>\nDone.',
    content: 'Output:\nLine 1\nLine 2\nLine 3\nDone.',
    thinking: '',
    hasThinking: false,
  },
  {
    name: 'consecutive_tool_calls',
    input:
      'First.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool1<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>Second.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool2<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    content: 'First.',
    thinking: '',
    hasThinking: false,
  },
];
