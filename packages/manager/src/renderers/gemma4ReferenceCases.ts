// The cases of Ollama's model/renderers/gemma4_reference_test.go, translated from its Go tables (same names,
// messages, tools and expected prompts). Ollama checked its expected prompts against Google's chat template
// (testdata/gemma4_e2b_chat_template.jinja2) rendered by Python's Jinja2, except the skipJinja2 case.
import type { ThinkValue } from '../parsers/builtinParser.ts';
import type { TemplateMessage } from '../template/prompt.ts';
import type { ToolDefinition } from '../tools/types.ts';

/** A message as Go's test tables write it: fields left out are Go's zero values ("" content). */
export type CaseMessage = Omit<TemplateMessage, 'content'> & { content?: string };

/** The messages with Go's zero values filled in. */
export const goMessages = (messages: CaseMessage[]): TemplateMessage[] =>
  messages.map((m) => ({ content: '', ...m }));

export type ReferenceCase = {
  name: string;
  messages: CaseMessage[];
  tools?: ToolDefinition[];
  think?: ThinkValue;
  expected: string;
  skipJinja2?: boolean;
};

const q = '<|"|>';

export const bashRefTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'bash',
      description: 'Run a command',
      parameters: {
        type: 'object',
        required: ['command'],
        properties: { command: { type: 'string', description: 'The command' } },
      },
    },
  },
];

export const bashAndReadRefTools = (): ToolDefinition[] => [
  bashRefTool()[0]!,
  {
    type: 'function',
    function: {
      name: 'read',
      description: 'Read a file',
      parameters: {
        type: 'object',
        required: ['path'],
        properties: { path: { type: 'string', description: 'File path' } },
      },
    },
  },
];

const weatherTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get weather',
      parameters: { type: 'object', properties: { city: { type: 'string', description: 'City' } } },
    },
  },
];

const addTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'add',
      description: 'Add numbers',
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
    },
  },
];

const flagTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'set_flag',
      description: 'Set a flag',
      parameters: { type: 'object', properties: { enabled: { type: 'boolean', description: 'Flag value' } } },
    },
  },
];

const modeTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'set_mode',
      description: 'Set mode',
      parameters: {
        type: 'object',
        properties: { mode: { type: 'string', description: 'The mode', enum: ['fast', 'slow'] } },
      },
    },
  },
];

export const bashSmallTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'bash',
      description: 'Run',
      parameters: {
        type: 'object',
        required: ['command'],
        properties: { command: { type: 'string', description: 'Cmd' } },
      },
    },
  },
];

const nestedTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'create',
      description: 'Create item',
      parameters: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'Name' },
          config: {
            type: 'object',
            description: 'Config',
            properties: { enabled: { type: 'boolean', description: 'On/off' } },
          },
        },
      },
    },
  },
];

const arrayTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'batch',
      description: 'Run batch',
      parameters: {
        type: 'object',
        properties: { commands: { type: 'array', description: 'Commands', items: { type: 'string' } } },
      },
    },
  },
];

const unionTopLevelTypeTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'maybe_name',
      description: 'Test nullable union',
      parameters: { type: 'object', properties: { name: { type: ['string', 'null'], description: 'Name' } } },
    },
  },
];

export const anyOfTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'pick_value',
      description: 'Pick a value',
      parameters: {
        type: 'object',
        properties: { value: { anyOf: [{ type: 'string' }, { type: 'number' }], description: 'Value' } },
      },
    },
  },
];

const arrayObjectItemsTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'upsert_batch',
      description: 'Upsert batch',
      parameters: {
        type: 'object',
        properties: {
          entries: {
            type: 'array',
            description: 'Entries',
            items: {
              type: 'object',
              required: ['id'],
              properties: {
                id: { type: 'string', description: 'ID' },
                count: { type: 'number', description: 'Count' },
              },
            },
          },
        },
      },
    },
  },
];

const arrayUnionItemsTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'maybe_batch',
      description: 'Maybe batch',
      parameters: {
        type: 'object',
        properties: { values: { type: 'array', description: 'Values', items: { type: ['string', 'null'] } } },
      },
    },
  },
];

const arrayNestedItemsTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'plan_batch',
      description: 'Plan batch',
      parameters: {
        type: 'object',
        properties: {
          steps: {
            type: 'array',
            description: 'Steps',
            items: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string', description: 'Name' },
                config: {
                  type: 'object',
                  description: 'Config',
                  required: ['enabled'],
                  properties: { enabled: { type: 'boolean', description: 'Enabled' } },
                },
                tags: { type: 'array', description: 'Tags', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
];

const arrayNullableNestedItemsTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'annotate_batch',
      description: 'Annotate batch',
      parameters: {
        type: 'object',
        properties: {
          entries: {
            type: 'array',
            description: 'Entries',
            items: {
              type: 'object',
              required: ['note'],
              properties: {
                note: { type: 'string', description: 'Note', nullable: true },
                metadata: {
                  type: 'object',
                  description: 'Metadata',
                  nullable: true,
                  properties: { tag: { type: 'string', description: 'Tag' } },
                },
              },
            },
          },
        },
      },
    },
  },
];

const nestedArrayObjectItemsTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'schedule_jobs',
      description: 'Schedule jobs',
      parameters: {
        type: 'object',
        properties: {
          jobs: {
            type: 'array',
            description: 'Jobs',
            items: {
              type: 'object',
              required: ['tasks'],
              properties: {
                tasks: {
                  type: 'array',
                  description: 'Tasks',
                  items: {
                    type: 'object',
                    required: ['command'],
                    properties: {
                      command: { type: 'string', description: 'Command' },
                      timeout: { type: 'number', description: 'Timeout' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
];

const arrayItemsExtraKeysTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'configure_batch',
      description: 'Configure batch',
      parameters: {
        type: 'object',
        properties: {
          settings: {
            type: 'array',
            description: 'Settings',
            items: {
              type: 'object',
              additionalProperties: false,
              default: { mode: 'auto' },
              nullable: true,
              required: ['mode'],
              properties: { mode: { type: 'string', description: 'Mode' } },
            },
          },
        },
      },
    },
  },
];

const configureTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'configure',
      description: 'Configure',
      parameters: { type: 'object', properties: { config: { type: 'object', description: 'Config' } } },
    },
  },
];

const batchArrayTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'batch',
      description: 'Run batch',
      parameters: { type: 'object', properties: { ids: { type: 'array', description: 'IDs' } } },
    },
  },
];

const countTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'count',
      description: 'Count items',
      parameters: { type: 'object', properties: { n: { type: 'number' } } },
    },
  },
];

const enumNoDescTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'set_level',
      description: 'Set level',
      parameters: { type: 'object', properties: { level: { type: 'string', enum: ['low', 'high'] } } },
    },
  },
];

const nestedRequiredTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'create_user',
      description: 'Create user',
      parameters: {
        type: 'object',
        properties: {
          profile: {
            type: 'object',
            description: 'Profile',
            required: ['name'],
            properties: {
              name: { type: 'string', description: 'Name' },
              age: { type: 'number', description: 'Age' },
            },
          },
        },
      },
    },
  },
];

const calcTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'calc',
      description: 'Calculate',
      parameters: { type: 'object', properties: { value: { type: 'number', description: 'Value' } } },
    },
  },
];

const rawTool = (): ToolDefinition[] => [
  { type: 'function', function: { name: 'raw', description: 'Raw input', parameters: { type: 'object' } } },
];

const moveTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'move',
      description: 'Move',
      parameters: {
        type: 'object',
        required: ['x', 'y'],
        properties: { x: { type: 'number', description: 'X' }, y: { type: 'number', description: 'Y' } },
      },
    },
  },
];

const arrayNoItemsTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'tag',
      description: 'Tag items',
      parameters: { type: 'object', properties: { tags: { type: 'array', description: 'Tags' } } },
    },
  },
];

const objectNoDescTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'update',
      description: 'Update settings',
      parameters: {
        type: 'object',
        properties: {
          settings: {
            type: 'object',
            properties: { verbose: { type: 'boolean', description: 'Verbose mode' } },
          },
        },
      },
    },
  },
];

const searchTool = (): ToolDefinition[] => [
  {
    type: 'function',
    function: {
      name: 'search',
      description: 'Search',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'Search query' },
          limit: { type: 'number' },
          offset: { type: 'number', description: 'Start offset' },
        },
      },
    },
  },
];

const bashSmallDeclRef =
  '<|tool>declaration:bash{description:<|"|>Run<|"|>,parameters:{properties:{command:{description:<|"|>Cmd<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|>';

const nestedDeclRef =
  '<|tool>declaration:create{description:<|"|>Create item<|"|>,parameters:{properties:{config:{description:<|"|>Config<|"|>,properties:{enabled:{description:<|"|>On/off<|"|>,type:<|"|>BOOLEAN<|"|>}},type:<|"|>OBJECT<|"|>},name:{description:<|"|>Name<|"|>,type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const arrayDeclRef =
  '<|tool>declaration:batch{description:<|"|>Run batch<|"|>,parameters:{properties:{commands:{description:<|"|>Commands<|"|>,items:{type:<|"|>STRING<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const bashDeclRef =
  '<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|>';

const readDeclRef =
  '<|tool>declaration:read{description:<|"|>Read a file<|"|>,parameters:{properties:{path:{description:<|"|>File path<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>path<|"|>],type:<|"|>OBJECT<|"|>}}<tool|>';

const weatherDeclRef =
  '<|tool>declaration:get_weather{description:<|"|>Get weather<|"|>,parameters:{properties:{city:{description:<|"|>City<|"|>,type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const addDeclRef =
  '<|tool>declaration:add{description:<|"|>Add numbers<|"|>,parameters:{properties:{a:{type:<|"|>NUMBER<|"|>},b:{type:<|"|>NUMBER<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const flagDeclRef =
  '<|tool>declaration:set_flag{description:<|"|>Set a flag<|"|>,parameters:{properties:{enabled:{description:<|"|>Flag value<|"|>,type:<|"|>BOOLEAN<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const modeDeclRef =
  '<|tool>declaration:set_mode{description:<|"|>Set mode<|"|>,parameters:{properties:{mode:{description:<|"|>The mode<|"|>,enum:[<|"|>fast<|"|>,<|"|>slow<|"|>],type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const configureDeclRef =
  '<|tool>declaration:configure{description:<|"|>Configure<|"|>,parameters:{properties:{config:{description:<|"|>Config<|"|>,properties:{},type:<|"|>OBJECT<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const batchArrayDeclRef =
  '<|tool>declaration:batch{description:<|"|>Run batch<|"|>,parameters:{properties:{ids:{description:<|"|>IDs<|"|>,type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const countDeclRef =
  '<|tool>declaration:count{description:<|"|>Count items<|"|>,parameters:{properties:{n:{type:<|"|>NUMBER<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const enumNoDescDeclRef =
  '<|tool>declaration:set_level{description:<|"|>Set level<|"|>,parameters:{properties:{level:{enum:[<|"|>low<|"|>,<|"|>high<|"|>],type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const searchDeclRef =
  '<|tool>declaration:search{description:<|"|>Search<|"|>,parameters:{properties:{limit:{type:<|"|>NUMBER<|"|>},offset:{description:<|"|>Start offset<|"|>,type:<|"|>NUMBER<|"|>},query:{description:<|"|>Search query<|"|>,type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const arrayNoItemsDeclRef =
  '<|tool>declaration:tag{description:<|"|>Tag items<|"|>,parameters:{properties:{tags:{description:<|"|>Tags<|"|>,type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const objectNoDescDeclRef =
  '<|tool>declaration:update{description:<|"|>Update settings<|"|>,parameters:{properties:{settings:{properties:{verbose:{description:<|"|>Verbose mode<|"|>,type:<|"|>BOOLEAN<|"|>}},type:<|"|>OBJECT<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const nestedRequiredDeclRef =
  '<|tool>declaration:create_user{description:<|"|>Create user<|"|>,parameters:{properties:{profile:{description:<|"|>Profile<|"|>,properties:{age:{description:<|"|>Age<|"|>,type:<|"|>NUMBER<|"|>},name:{description:<|"|>Name<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>name<|"|>],type:<|"|>OBJECT<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const calcDeclRef =
  '<|tool>declaration:calc{description:<|"|>Calculate<|"|>,parameters:{properties:{value:{description:<|"|>Value<|"|>,type:<|"|>NUMBER<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|>';

const rawDeclRef =
  '<|tool>declaration:raw{description:<|"|>Raw input<|"|>,parameters:{type:<|"|>OBJECT<|"|>}}<tool|>';

const moveDeclRef =
  '<|tool>declaration:move{description:<|"|>Move<|"|>,parameters:{properties:{x:{description:<|"|>X<|"|>,type:<|"|>NUMBER<|"|>},y:{description:<|"|>Y<|"|>,type:<|"|>NUMBER<|"|>}},required:[<|"|>x<|"|>,<|"|>y<|"|>],type:<|"|>OBJECT<|"|>}}<tool|>';

export const referenceCases: ReferenceCase[] = [
  {
    name: 'user_only',
    messages: [{ role: 'user', content: 'Hello' }],
    expected: '<bos><|turn>user\nHello<turn|>\n<|turn>model\n',
  },
  {
    name: 'system_user',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
    ],
    expected: '<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'developer_user',
    messages: [
      { role: 'developer', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
    ],
    expected: '<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'tools_no_system',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: bashRefTool(),
    expected: `<bos><|turn>system\n${bashDeclRef}<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n`,
  },
  {
    name: 'system_tools',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
    ],
    tools: bashRefTool(),
    expected:
      '<bos><|turn>system\nYou are helpful.' +
      bashDeclRef +
      '<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'thinking_no_system',
    messages: [{ role: 'user', content: 'Hi' }],
    think: true,
    expected: '<bos><|turn>system\n<|think|>\n<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'thinking_system',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
    ],
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\nYou are helpful.<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'thinking_tools',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: bashRefTool(),
    think: true,
    expected: `<bos><|turn>system\n<|think|>\n${bashDeclRef}<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n`,
  },
  {
    name: 'thinking_system_tools',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
    ],
    tools: bashRefTool(),
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\nYou are helpful.' +
      bashDeclRef +
      '<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'developer_tools_thinking_trimmed',
    messages: [
      { role: 'developer', content: '  Prefer terse answers.\nUse tools when needed.  ' },
      { role: 'user', content: 'Hi' },
    ],
    tools: bashAndReadRefTools(),
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\nPrefer terse answers.\nUse tools when needed.' +
      bashDeclRef +
      readDeclRef +
      '<turn|>\n' +
      '<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'thinking_explicitly_disabled',
    messages: [{ role: 'user', content: 'Hi' }],
    think: false,
    expected: '<bos><|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'multi_turn',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'More' },
    ],
    expected:
      '<bos><|turn>system\nYou are helpful.<turn|>\n' +
      '<|turn>user\nHi<turn|>\n' +
      '<|turn>model\nHello!<turn|>\n' +
      '<|turn>user\nMore<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'tool_call_response',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'List files' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt\nfile2.txt' },
    ],
    tools: bashRefTool(),
    expected:
      '<bos><|turn>system\nYou are helpful.' +
      bashDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'file1.txt\nfile2.txt' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'tool_call_pending_response',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
    ],
    tools: bashRefTool(),
    expected:
      '<bos><|turn>system\nYou are helpful.' +
      bashDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>Let me check.<|tool_response>',
  },
  {
    name: 'full_round_trip',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'List files' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt\nfile2.txt' },
      { role: 'assistant', content: 'Here are the files.' },
      { role: 'user', content: 'Read file1.txt' },
    ],
    tools: bashAndReadRefTools(),
    expected:
      '<bos><|turn>system\nYou are helpful.' +
      bashDeclRef +
      readDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'file1.txt\nfile2.txt' +
      q +
      '}<tool_response|>' +
      'Here are the files.<turn|>\n' +
      '<|turn>user\nRead file1.txt<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'multiple_tool_calls',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'List and read' },
      {
        role: 'assistant',
        tool_calls: [
          { function: { name: 'bash', arguments: { command: 'ls' } } },
          { function: { name: 'read', arguments: { path: 'go.mod' } } },
        ],
      },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt\nfile2.txt' },
      { role: 'tool', tool_name: 'read', content: 'module example.com/foo' },
    ],
    tools: bashAndReadRefTools(),
    expected:
      '<bos><|turn>system\nYou are helpful.' +
      bashDeclRef +
      readDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList and read<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_call>call:read{path:' +
      q +
      'go.mod' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'file1.txt\nfile2.txt' +
      q +
      '}<tool_response|>' +
      '<|tool_response>response:read{value:' +
      q +
      'module example.com/foo' +
      q +
      '}<tool_response|>',
    skipJinja2: true,
  },
  {
    name: 'multiple_tool_calls_with_thinking_ids_and_continuation',
    messages: [
      { role: 'system', content: 'You are a coding assistant.' },
      { role: 'user', content: 'List files, then read config.' },
      {
        role: 'assistant',
        thinking: 'Need the directory listing before reading the config.',
        tool_calls: [
          { id: 'call_bash', function: { name: 'bash', arguments: { command: 'ls -la' } } },
          { id: 'call_read', function: { name: 'read', arguments: { path: 'config.json' } } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_read', content: '{"debug": true}' },
      { role: 'tool', tool_call_id: 'call_bash', content: 'config.json\nmain.go' },
      { role: 'assistant', content: 'Config loaded.' },
    ],
    tools: bashAndReadRefTools(),
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\nYou are a coding assistant.' +
      bashDeclRef +
      readDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files, then read config.<turn|>\n' +
      '<|turn>model\n<|channel>thought\nNeed the directory listing before reading the config.\n<channel|>' +
      '<|tool_call>call:bash{command:' +
      q +
      'ls -la' +
      q +
      '}<tool_call|>' +
      '<|tool_call>call:read{path:' +
      q +
      'config.json' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:read{value:' +
      q +
      '{"debug": true}' +
      q +
      '}<tool_response|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'config.json\nmain.go' +
      q +
      '}<tool_response|>' +
      'Config loaded.<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'strip_thinking_history',
    messages: [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '<|channel>thought\nThinking...<channel|>4' },
      { role: 'user', content: 'And 3+3?' },
    ],
    expected:
      '<bos><|turn>user\nWhat is 2+2?<turn|>\n' +
      '<|turn>model\n4<turn|>\n' +
      '<|turn>user\nAnd 3+3?<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'assistant_content_with_tool_call',
    messages: [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', tool_name: 'get_weather', content: 'Sunny' },
    ],
    tools: weatherTool(),
    expected:
      '<bos><|turn>system\n' +
      weatherDeclRef +
      '<turn|>\n' +
      '<|turn>user\nWeather?<turn|>\n' +
      '<|turn>model\n<|tool_call>call:get_weather{city:' +
      q +
      'Paris' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:get_weather{value:' +
      q +
      'Sunny' +
      q +
      '}<tool_response|>' +
      'Let me check.<turn|>\n',
  },
  {
    name: 'numeric_arguments',
    messages: [
      { role: 'user', content: 'Add' },
      { role: 'assistant', tool_calls: [{ function: { name: 'add', arguments: { a: 1, b: 2 } } }] },
      { role: 'tool', tool_name: 'add', content: '{"result": 3}' },
    ],
    tools: addTool(),
    expected:
      '<bos><|turn>system\n' +
      addDeclRef +
      '<turn|>\n' +
      '<|turn>user\nAdd<turn|>\n' +
      '<|turn>model\n<|tool_call>call:add{a:1,b:2}<tool_call|>' +
      '<|tool_response>response:add{value:' +
      q +
      '{"result": 3}' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'boolean_argument',
    messages: [
      { role: 'user', content: 'Set flag' },
      { role: 'assistant', tool_calls: [{ function: { name: 'set_flag', arguments: { enabled: true } } }] },
      { role: 'tool', tool_name: 'set_flag', content: 'done' },
    ],
    tools: flagTool(),
    expected:
      '<bos><|turn>system\n' +
      flagDeclRef +
      '<turn|>\n' +
      '<|turn>user\nSet flag<turn|>\n' +
      '<|turn>model\n<|tool_call>call:set_flag{enabled:true}<tool_call|>' +
      '<|tool_response>response:set_flag{value:' +
      q +
      'done' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'tool_with_enum',
    messages: [{ role: 'user', content: 'Test' }],
    tools: modeTool(),
    expected: `<bos><|turn>system\n${modeDeclRef}<turn|>\n<|turn>user\nTest<turn|>\n<|turn>model\n`,
  },
  {
    name: 'unicode_content',
    messages: [{ role: 'user', content: 'こんにちは' }],
    expected: '<bos><|turn>user\nこんにちは<turn|>\n<|turn>model\n',
  },
  {
    name: 'newlines_in_content',
    messages: [{ role: 'user', content: 'Line 1\nLine 2\nLine 3' }],
    expected: '<bos><|turn>user\nLine 1\nLine 2\nLine 3<turn|>\n<|turn>model\n',
  },
  {
    name: 'json_tool_response_then_user',
    messages: [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Tokyo' } } }],
      },
      { role: 'tool', tool_name: 'get_weather', content: '{"temperature": 15, "weather": "sunny"}' },
      { role: 'user', content: 'Thanks!' },
    ],
    tools: weatherTool(),
    expected:
      '<bos><|turn>system\n' +
      weatherDeclRef +
      '<turn|>\n' +
      '<|turn>user\nWeather?<turn|>\n' +
      '<|turn>model\n<|tool_call>call:get_weather{city:' +
      q +
      'Tokyo' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:get_weather{value:' +
      q +
      '{"temperature": 15, "weather": "sunny"}' +
      q +
      '}<tool_response|>' +
      '<turn|>\n' +
      '<|turn>user\nThanks!<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'adjacent_assistants_continue_same_model_turn',
    messages: [
      { role: 'user', content: 'Start' },
      { role: 'assistant', content: 'One.' },
      { role: 'assistant', content: 'Two.' },
      { role: 'user', content: 'More' },
    ],
    expected:
      '<bos><|turn>user\nStart<turn|>\n' +
      '<|turn>model\nOne.Two.<turn|>\n' +
      '<|turn>user\nMore<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'sorted_args',
    messages: [
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'bash', arguments: { zzz: 'last', aaa: 'first', mmm: 'middle' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: 'ok' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{aaa:' +
      q +
      'first' +
      q +
      ',mmm:' +
      q +
      'middle' +
      q +
      ',zzz:' +
      q +
      'last' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'ok' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'user_content_trimmed',
    messages: [{ role: 'user', content: '  hello  ' }],
    expected: '<bos><|turn>user\nhello<turn|>\n<|turn>model\n',
  },
  {
    name: 'empty_tool_args',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: {} } }] },
      { role: 'tool', tool_name: 'bash', content: 'ok' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'ok' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'nested_object_tool',
    messages: [{ role: 'user', content: 'Create' }],
    tools: nestedTool(),
    expected: `<bos><|turn>system\n${nestedDeclRef}<turn|>\n<|turn>user\nCreate<turn|>\n<|turn>model\n`,
  },
  {
    name: 'array_tool',
    messages: [{ role: 'user', content: 'Batch' }],
    tools: arrayTool(),
    expected: `<bos><|turn>system\n${arrayDeclRef}<turn|>\n<|turn>user\nBatch<turn|>\n<|turn>model\n`,
  },
  {
    name: 'typed_property_union_type',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: unionTopLevelTypeTool(),
    expected:
      '<bos><|turn>system\n<|tool>declaration:maybe_name{description:<|"|>Test nullable union<|"|>,parameters:{properties:{name:{description:<|"|>Name<|"|>,type:<|"|>[\'STRING\', \'NULL\']<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'assistant_whitespace_trimmed',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '  spaced  ' },
      { role: 'user', content: 'More' },
    ],
    expected:
      '<bos><|turn>user\nHi<turn|>\n' +
      '<|turn>model\nspaced<turn|>\n' +
      '<|turn>user\nMore<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'three_tool_responses',
    messages: [
      { role: 'user', content: 'Do three things' },
      {
        role: 'assistant',
        tool_calls: [
          { function: { name: 'bash', arguments: { command: 'a' } } },
          { function: { name: 'bash', arguments: { command: 'b' } } },
          { function: { name: 'bash', arguments: { command: 'c' } } },
        ],
      },
      { role: 'tool', tool_name: 'bash', content: 'result-a' },
      { role: 'tool', tool_name: 'bash', content: 'result-b' },
      { role: 'tool', tool_name: 'bash', content: 'result-c' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nDo three things<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'a' +
      q +
      '}<tool_call|>' +
      '<|tool_call>call:bash{command:' +
      q +
      'b' +
      q +
      '}<tool_call|>' +
      '<|tool_call>call:bash{command:' +
      q +
      'c' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'result-a' +
      q +
      '}<tool_response|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'result-b' +
      q +
      '}<tool_response|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'result-c' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'tool_calls_no_content',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: 'files' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'files' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'multiple_thinking_blocks',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<|channel>Think1<channel|>Middle<|channel>Think2<channel|>Done' },
      { role: 'user', content: 'More' },
    ],
    expected:
      '<bos><|turn>user\nHi<turn|>\n' +
      '<|turn>model\nMiddleDone<turn|>\n' +
      '<|turn>user\nMore<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'property_no_description',
    messages: [{ role: 'user', content: 'Count' }],
    tools: countTool(),
    expected: `<bos><|turn>system\n${countDeclRef}<turn|>\n<|turn>user\nCount<turn|>\n<|turn>model\n`,
  },
  {
    name: 'system_message_trimmed',
    messages: [
      { role: 'system', content: '  You are helpful.  ' },
      { role: 'user', content: 'Hi' },
    ],
    expected: '<bos><|turn>system\nYou are helpful.<turn|>\n' + '<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'nested_map_args',
    messages: [
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        tool_calls: [
          {
            function: { name: 'configure', arguments: { config: { db: { host: 'localhost', port: 5432 } } } },
          },
        ],
      },
      { role: 'tool', tool_name: 'configure', content: 'ok' },
    ],
    tools: configureTool(),
    expected:
      '<bos><|turn>system\n' +
      configureDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:configure{config:{db:{host:' +
      q +
      'localhost' +
      q +
      ',port:5432}}}<tool_call|>' +
      '<|tool_response>response:configure{value:' +
      q +
      'ok' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'array_in_args',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'batch', arguments: { ids: [1, 2, 3] } } }] },
      { role: 'tool', tool_name: 'batch', content: 'done' },
    ],
    tools: batchArrayTool(),
    expected:
      '<bos><|turn>system\n' +
      batchArrayDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:batch{ids:[1,2,3]}<tool_call|>' +
      '<|tool_response>response:batch{value:' +
      q +
      'done' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'mixed_array_args',
    messages: [
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'batch', arguments: { ids: ['a', 1, true] } } }],
      },
      { role: 'tool', tool_name: 'batch', content: 'done' },
    ],
    tools: batchArrayTool(),
    expected:
      '<bos><|turn>system\n' +
      batchArrayDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:batch{ids:[' +
      q +
      'a' +
      q +
      ',1,true]}<tool_call|>' +
      '<|tool_response>response:batch{value:' +
      q +
      'done' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'enum_no_description',
    messages: [{ role: 'user', content: 'Set' }],
    tools: enumNoDescTool(),
    expected: `<bos><|turn>system\n${enumNoDescDeclRef}<turn|>\n<|turn>user\nSet<turn|>\n<|turn>model\n`,
  },
  {
    name: 'system_whitespace_only',
    messages: [
      { role: 'system', content: '   ' },
      { role: 'user', content: 'Hi' },
    ],
    expected: '<bos><|turn>system\n<turn|>\n' + '<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'empty_assistant_content',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'More' },
    ],
    expected:
      '<bos><|turn>user\nHi<turn|>\n' +
      '<|turn>model\n<turn|>\n' +
      '<|turn>user\nMore<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'map_arg_string_keys',
    messages: [
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'configure', arguments: { config: { key: 'value' } } } }],
      },
      { role: 'tool', tool_name: 'configure', content: 'ok' },
    ],
    tools: configureTool(),
    expected:
      '<bos><|turn>system\n' +
      configureDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:configure{config:{key:' +
      q +
      'value' +
      q +
      '}}<tool_call|>' +
      '<|tool_response>response:configure{value:' +
      q +
      'ok' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'mixed_desc_no_desc',
    messages: [{ role: 'user', content: 'Search' }],
    tools: searchTool(),
    expected: `<bos><|turn>system\n${searchDeclRef}<turn|>\n<|turn>user\nSearch<turn|>\n<|turn>model\n`,
  },
  {
    name: 'tool_content_trimmed',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: '  result  ' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      '  result  ' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'empty_system_message',
    messages: [
      { role: 'system', content: '' },
      { role: 'user', content: 'Hi' },
    ],
    expected: '<bos><|turn>system\n<turn|>\n' + '<|turn>user\nHi<turn|>\n<|turn>model\n',
  },
  {
    name: 'nested_object_with_required',
    messages: [{ role: 'user', content: 'Create' }],
    tools: nestedRequiredTool(),
    expected:
      '<bos><|turn>system\n' +
      nestedRequiredDeclRef +
      '<turn|>\n' +
      '<|turn>user\nCreate<turn|>\n<|turn>model\n',
  },
  {
    name: 'float_argument',
    messages: [
      { role: 'user', content: 'Calc' },
      { role: 'assistant', tool_calls: [{ function: { name: 'calc', arguments: { value: 3.14 } } }] },
      { role: 'tool', tool_name: 'calc', content: 'ok' },
    ],
    tools: calcTool(),
    expected:
      '<bos><|turn>system\n' +
      calcDeclRef +
      '<turn|>\n' +
      '<|turn>user\nCalc<turn|>\n' +
      '<|turn>model\n<|tool_call>call:calc{value:3.14}<tool_call|>' +
      '<|tool_response>response:calc{value:' +
      q +
      'ok' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'thinking_in_last_assistant',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<|channel>thinking<channel|>Result' },
    ],
    expected: '<bos><|turn>user\nHi<turn|>\n' + '<|turn>model\nResult<turn|>\n' + '<|turn>model\n',
  },
  {
    name: 'tool_content_multiline_whitespace',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: '\n  file1\n  file2\n' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      '\n  file1\n  file2\n' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'tool_params_type_only',
    messages: [{ role: 'user', content: 'Raw' }],
    tools: rawTool(),
    expected: `<bos><|turn>system\n${rawDeclRef}<turn|>\n<|turn>user\nRaw<turn|>\n<|turn>model\n`,
  },
  {
    name: 'multiple_required',
    messages: [{ role: 'user', content: 'Move' }],
    tools: moveTool(),
    expected: `<bos><|turn>system\n${moveDeclRef}<turn|>\n<|turn>user\nMove<turn|>\n<|turn>model\n`,
  },
  {
    name: 'assistant_only_thinking',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<|channel>just thinking<channel|>' },
      { role: 'user', content: 'More' },
    ],
    expected:
      '<bos><|turn>user\nHi<turn|>\n' +
      '<|turn>model\n<turn|>\n' +
      '<|turn>user\nMore<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'thinking_with_tool_calls',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        content: '<|channel>I should use bash<channel|>',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt' },
      { role: 'assistant', content: 'Here are the files.' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: bashSmallTool(),
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\nYou are helpful.' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'file1.txt' +
      q +
      '}<tool_response|>' +
      'Here are the files.<turn|>\n' +
      '<|turn>user\nThanks<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'array_without_items',
    messages: [{ role: 'user', content: 'Tag' }],
    tools: arrayNoItemsTool(),
    expected: `<bos><|turn>system\n${arrayNoItemsDeclRef}<turn|>\n<|turn>user\nTag<turn|>\n<|turn>model\n`,
  },
  {
    name: 'object_no_desc_with_properties',
    messages: [{ role: 'user', content: 'Update' }],
    tools: objectNoDescTool(),
    expected:
      '<bos><|turn>system\n' +
      objectNoDescDeclRef +
      '<turn|>\n' +
      '<|turn>user\nUpdate<turn|>\n<|turn>model\n',
  },
  {
    name: 'chained_tool_calls',
    messages: [
      { role: 'user', content: 'Set up the project' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'mkdir src' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: '' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'touch src/main.go' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: '' },
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nSet up the project<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'mkdir src' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      q +
      '}<tool_response|>' +
      '<|tool_call>call:bash{command:' +
      q +
      'touch src/main.go' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      q +
      '}<tool_response|>' +
      'Done.<turn|>\n' +
      '<|turn>user\nThanks<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'tool_call_thinking_with_remaining_content',
    messages: [
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        content: '<|channel>I need to check the directory<channel|>Let me list the files.',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: 'main.go\ngo.mod' },
      { role: 'user', content: 'OK' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'main.go\ngo.mod' +
      q +
      '}<tool_response|>' +
      'Let me list the files.<turn|>\n' +
      '<|turn>user\nOK<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'argument_with_newlines',
    messages: [
      { role: 'user', content: 'Run it' },
      {
        role: 'assistant',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'echo hello\necho world' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: 'hello\nworld' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nRun it<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'echo hello\necho world' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'hello\nworld' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'empty_string_argument',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: '' } } }] },
      { role: 'tool', tool_name: 'bash', content: 'error' },
    ],
    tools: bashSmallTool(),
    expected:
      '<bos><|turn>system\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nGo<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'error' +
      q +
      '}<tool_response|>',
  },
  {
    name: 'null_tool_arguments',
    messages: [
      { role: 'user', content: 'Set optional' },
      {
        role: 'assistant',
        tool_calls: [
          { function: { name: 'set_optional', arguments: { nested: { value: null }, value: null } } },
        ],
      },
    ],
    expected:
      '<bos><|turn>user\nSet optional<turn|>\n' +
      '<|turn>model\n<|tool_call>call:set_optional{nested:{value:null},value:null}<tool_call|><|tool_response>',
  },
  {
    name: 'historical_tool_call_thinking_omitted_before_later_user',
    messages: [
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        thinking: 'Need the file list before answering.',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt' },
      { role: 'user', content: 'Now answer' },
    ],
    tools: bashSmallTool(),
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n' +
      '<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'file1.txt' +
      q +
      '}<tool_response|>' +
      '<turn|>\n' +
      '<|turn>user\nNow answer<turn|>\n' +
      '<|turn>model\n',
  },
  {
    name: 'terminal_tool_response_adds_thinking_cue_when_thinking_enabled',
    messages: [
      { role: 'user', content: 'List files' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt' },
    ],
    tools: bashSmallTool(),
    think: true,
    expected:
      '<bos><|turn>system\n<|think|>\n' +
      bashSmallDeclRef +
      '<turn|>\n' +
      '<|turn>user\nList files<turn|>\n' +
      '<|turn>model\n<|tool_call>call:bash{command:' +
      q +
      'ls' +
      q +
      '}<tool_call|>' +
      '<|tool_response>response:bash{value:' +
      q +
      'file1.txt' +
      q +
      '}<tool_response|>' +
      '<|channel>thought\n',
  },
];

export const expandedParityCases: Omit<ReferenceCase, 'expected'>[] = [
  {
    name: 'adjacent_assistants_continue_same_model_turn',
    messages: [
      { role: 'user', content: 'Start' },
      { role: 'assistant', content: 'One.' },
      { role: 'assistant', content: 'Two.' },
      { role: 'user', content: 'More' },
    ],
  },
  {
    name: 'thinking_field_on_pending_tool_call',
    messages: [
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        content: 'Let me check.',
        thinking: 'I should use bash',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
    ],
    tools: bashRefTool(),
  },
  {
    name: 'thinking_field_ignored_before_later_user',
    messages: [
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        content: 'Let me check.',
        thinking: 'I should use bash',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: bashRefTool(),
  },
  {
    name: 'tool_response_name_resolved_from_tool_call_id',
    messages: [
      { role: 'user', content: 'List and read' },
      {
        role: 'assistant',
        tool_calls: [
          { id: 'call_bash', function: { name: 'bash', arguments: { command: 'ls' } } },
          { id: 'call_read', function: { name: 'read', arguments: { path: 'go.mod' } } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_read', content: 'module example.com/foo' },
      { role: 'tool', tool_call_id: 'call_bash', content: 'file1.txt\nfile2.txt' },
    ],
    tools: bashAndReadRefTools(),
  },
  {
    name: 'adjacent_assistants_after_tool_response_continue_same_model_turn',
    messages: [
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] },
      { role: 'tool', tool_name: 'bash', content: 'file1.txt' },
      { role: 'assistant', content: 'First.' },
      { role: 'assistant', content: 'Second.' },
      { role: 'user', content: 'Next' },
    ],
    tools: bashSmallTool(),
  },
  {
    name: 'thinking_enabled_with_pending_tool_call',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'List files' },
      {
        role: 'assistant',
        thinking: 'Use bash',
        tool_calls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }],
      },
    ],
    tools: bashSmallTool(),
    think: true,
  },
  {
    name: 'array_items_object_with_required',
    messages: [{ role: 'user', content: 'Upsert entries' }],
    tools: arrayObjectItemsTool(),
  },
  {
    name: 'array_items_object_with_nested_object_and_array_properties',
    messages: [{ role: 'user', content: 'Plan steps' }],
    tools: arrayNestedItemsTool(),
  },
  {
    name: 'array_items_nested_array_of_objects',
    messages: [{ role: 'user', content: 'Schedule jobs' }],
    tools: nestedArrayObjectItemsTool(),
  },
  {
    name: 'array_items_union_type',
    messages: [{ role: 'user', content: 'Maybe batch' }],
    tools: arrayUnionItemsTool(),
  },
  {
    name: 'array_items_nested_nullable_properties',
    messages: [{ role: 'user', content: 'Annotate batch' }],
    tools: arrayNullableNestedItemsTool(),
  },
  {
    name: 'array_items_extra_keys',
    messages: [{ role: 'user', content: 'Configure batch' }],
    tools: arrayItemsExtraKeysTool(),
  },
  {
    name: 'typed_property_union_type',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: unionTopLevelTypeTool(),
  },
];

export const knownJinja2Differences: (Omit<ReferenceCase, 'expected'> & {
  wantJinjaFrag: string;
  wantRenderFrag: string;
})[] = [
  {
    name: 'typed_property_anyof',
    messages: [{ role: 'user', content: 'Pick' }],
    tools: anyOfTool(),
    wantJinjaFrag: 'value:{description:<|"|>Value<|"|>,type:<|"|><|"|>}',
    wantRenderFrag: 'value:{description:<|"|>Value<|"|>,type:<|"|>[\'STRING\', \'NUMBER\']<|"|>}',
  },
  {
    name: 'tool_response_name_not_overridden_without_tool_call_id',
    messages: [
      { role: 'user', content: 'List and read' },
      {
        role: 'assistant',
        tool_calls: [
          { function: { name: 'bash', arguments: { command: 'ls' } } },
          { function: { name: 'read', arguments: { path: 'go.mod' } } },
        ],
      },
      { role: 'tool', tool_name: 'bash', content: 'payload' },
    ],
    tools: bashAndReadRefTools(),
    wantJinjaFrag: 'response:read{value:<|"|>payload<|"|>}',
    wantRenderFrag: 'response:bash{value:<|"|>payload<|"|>}',
  },
  {
    name: 'tool_response_without_name_or_id_uses_unknown',
    messages: [
      { role: 'user', content: 'List and read' },
      {
        role: 'assistant',
        tool_calls: [
          { function: { name: 'bash', arguments: { command: 'ls' } } },
          { function: { name: 'read', arguments: { path: 'go.mod' } } },
        ],
      },
      { role: 'tool', content: 'payload' },
    ],
    tools: bashAndReadRefTools(),
    wantJinjaFrag: 'response:read{value:<|"|>payload<|"|>}',
    wantRenderFrag: 'response:unknown{value:<|"|>payload<|"|>}',
  },
];

export const canonicalContinuationMessages: CaseMessage[] = [
  { role: 'user', content: 'Use the tool' },
  { role: 'assistant', content: 'First.' },
  {
    role: 'assistant',
    content: 'Checking.',
    tool_calls: [{ function: { name: 'bash', arguments: { command: null } } }],
  },
  { role: 'tool', tool_name: 'bash', content: 'done' },
  { role: 'assistant', content: 'Done.' },
  { role: 'user', content: 'Next' },
];

export const canonicalContinuationBase =
  '<bos><|turn>system\n' +
  bashSmallDeclRef +
  '<turn|>\n' +
  '<|turn>user\nUse the tool<turn|>\n' +
  '<|turn>model\nFirst.' +
  '<|tool_call>call:bash{command:null}<tool_call|>' +
  '<|tool_response>response:bash{value:' +
  q +
  'done' +
  q +
  '}<tool_response|>' +
  'Checking.Done.<turn|>\n' +
  '<|turn>user\nNext<turn|>\n<|turn>model\n';

export const unknownToolResponseMessages: CaseMessage[] = [
  { role: 'user', content: 'List and read' },
  {
    role: 'assistant',
    tool_calls: [
      { function: { name: 'bash', arguments: { command: 'ls' } } },
      { function: { name: 'read', arguments: { path: 'go.mod' } } },
    ],
  },
  { role: 'tool', content: 'payload' },
];

/**
 * What Google's templates (Ollama's testdata/gemma4_e2b_chat_template.jinja2 for small, gemma4_31b_… for large)
 * render for expandedParityCases, which Ollama's TestGemma4RendererMatchesJinja2ExpandedParity compares with
 * the renderer: rendered once with Python's Jinja2 3.1.6 as its renderWithJinja2Template does.
 */
export const expandedParityJinja2: Record<string, { small: string; large: string }> = {
  adjacent_assistants_continue_same_model_turn: {
    small:
      '<bos><|turn>user\nStart<turn|>\n<|turn>model\nOne.Two.<turn|>\n<|turn>user\nMore<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>user\nStart<turn|>\n<|turn>model\nOne.Two.<turn|>\n<|turn>user\nMore<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  thinking_field_on_pending_tool_call: {
    small:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList files<turn|>\n<|turn>model\n<|channel>thought\nI should use bash\n<channel|><|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|>Let me check.<|tool_response>',
    large:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList files<turn|>\n<|turn>model\n<|channel>thought\nI should use bash\n<channel|><|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|>Let me check.<|tool_response>',
  },
  thinking_field_ignored_before_later_user: {
    small:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList files<turn|>\n<|turn>model\n<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_response>response:bash{value:<|"|>file1.txt<|"|>}<tool_response|>Let me check.<turn|>\n<|turn>user\nThanks<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList files<turn|>\n<|turn>model\n<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_response>response:bash{value:<|"|>file1.txt<|"|>}<tool_response|>Let me check.<turn|>\n<|turn>user\nThanks<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  tool_response_name_resolved_from_tool_call_id: {
    small:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><|tool>declaration:read{description:<|"|>Read a file<|"|>,parameters:{properties:{path:{description:<|"|>File path<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>path<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList and read<turn|>\n<|turn>model\n<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_call>call:read{path:<|"|>go.mod<|"|>}<tool_call|><|tool_response>response:read{value:<|"|>module example.com/foo<|"|>}<tool_response|><|tool_response>response:bash{value:<|"|>file1.txt\nfile2.txt<|"|>}<tool_response|>',
    large:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run a command<|"|>,parameters:{properties:{command:{description:<|"|>The command<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><|tool>declaration:read{description:<|"|>Read a file<|"|>,parameters:{properties:{path:{description:<|"|>File path<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>path<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList and read<turn|>\n<|turn>model\n<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_call>call:read{path:<|"|>go.mod<|"|>}<tool_call|><|tool_response>response:read{value:<|"|>module example.com/foo<|"|>}<tool_response|><|tool_response>response:bash{value:<|"|>file1.txt\nfile2.txt<|"|>}<tool_response|>',
  },
  adjacent_assistants_after_tool_response_continue_same_model_turn: {
    small:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run<|"|>,parameters:{properties:{command:{description:<|"|>Cmd<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nGo<turn|>\n<|turn>model\n<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_response>response:bash{value:<|"|>file1.txt<|"|>}<tool_response|>First.Second.<turn|>\n<|turn>user\nNext<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:bash{description:<|"|>Run<|"|>,parameters:{properties:{command:{description:<|"|>Cmd<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nGo<turn|>\n<|turn>model\n<|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_response>response:bash{value:<|"|>file1.txt<|"|>}<tool_response|>First.Second.<turn|>\n<|turn>user\nNext<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  thinking_enabled_with_pending_tool_call: {
    small:
      '<bos><|turn>system\n<|think|>\nYou are helpful.<|tool>declaration:bash{description:<|"|>Run<|"|>,parameters:{properties:{command:{description:<|"|>Cmd<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList files<turn|>\n<|turn>model\n<|channel>thought\nUse bash\n<channel|><|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_response>',
    large:
      '<bos><|turn>system\n<|think|>\nYou are helpful.<|tool>declaration:bash{description:<|"|>Run<|"|>,parameters:{properties:{command:{description:<|"|>Cmd<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nList files<turn|>\n<|turn>model\n<|channel>thought\nUse bash\n<channel|><|tool_call>call:bash{command:<|"|>ls<|"|>}<tool_call|><|tool_response>',
  },
  array_items_object_with_required: {
    small:
      '<bos><|turn>system\n<|tool>declaration:upsert_batch{description:<|"|>Upsert batch<|"|>,parameters:{properties:{entries:{description:<|"|>Entries<|"|>,items:{properties:{count:{description:<|"|>Count<|"|>,type:<|"|>NUMBER<|"|>},id:{description:<|"|>ID<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>id<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nUpsert entries<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:upsert_batch{description:<|"|>Upsert batch<|"|>,parameters:{properties:{entries:{description:<|"|>Entries<|"|>,items:{properties:{count:{description:<|"|>Count<|"|>,type:<|"|>NUMBER<|"|>},id:{description:<|"|>ID<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>id<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nUpsert entries<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  array_items_object_with_nested_object_and_array_properties: {
    small:
      '<bos><|turn>system\n<|tool>declaration:plan_batch{description:<|"|>Plan batch<|"|>,parameters:{properties:{steps:{description:<|"|>Steps<|"|>,items:{properties:{config:{description:<|"|>Config<|"|>,properties:{enabled:{description:<|"|>Enabled<|"|>,type:<|"|>BOOLEAN<|"|>}},required:[<|"|>enabled<|"|>],type:<|"|>OBJECT<|"|>},name:{description:<|"|>Name<|"|>,type:<|"|>STRING<|"|>},tags:{description:<|"|>Tags<|"|>,items:{type:<|"|>STRING<|"|>},type:<|"|>ARRAY<|"|>}},required:[<|"|>name<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nPlan steps<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:plan_batch{description:<|"|>Plan batch<|"|>,parameters:{properties:{steps:{description:<|"|>Steps<|"|>,items:{properties:{config:{description:<|"|>Config<|"|>,properties:{enabled:{description:<|"|>Enabled<|"|>,type:<|"|>BOOLEAN<|"|>}},required:[<|"|>enabled<|"|>],type:<|"|>OBJECT<|"|>},name:{description:<|"|>Name<|"|>,type:<|"|>STRING<|"|>},tags:{description:<|"|>Tags<|"|>,items:{type:<|"|>STRING<|"|>},type:<|"|>ARRAY<|"|>}},required:[<|"|>name<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nPlan steps<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  array_items_nested_array_of_objects: {
    small:
      '<bos><|turn>system\n<|tool>declaration:schedule_jobs{description:<|"|>Schedule jobs<|"|>,parameters:{properties:{jobs:{description:<|"|>Jobs<|"|>,items:{properties:{tasks:{description:<|"|>Tasks<|"|>,items:{properties:{command:{description:<|"|>Command<|"|>,type:<|"|>STRING<|"|>},timeout:{description:<|"|>Timeout<|"|>,type:<|"|>NUMBER<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},required:[<|"|>tasks<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nSchedule jobs<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:schedule_jobs{description:<|"|>Schedule jobs<|"|>,parameters:{properties:{jobs:{description:<|"|>Jobs<|"|>,items:{properties:{tasks:{description:<|"|>Tasks<|"|>,items:{properties:{command:{description:<|"|>Command<|"|>,type:<|"|>STRING<|"|>},timeout:{description:<|"|>Timeout<|"|>,type:<|"|>NUMBER<|"|>}},required:[<|"|>command<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},required:[<|"|>tasks<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nSchedule jobs<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  array_items_union_type: {
    small:
      '<bos><|turn>system\n<|tool>declaration:maybe_batch{description:<|"|>Maybe batch<|"|>,parameters:{properties:{values:{description:<|"|>Values<|"|>,items:{type:[<|"|>STRING<|"|>,<|"|>NULL<|"|>]},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nMaybe batch<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:maybe_batch{description:<|"|>Maybe batch<|"|>,parameters:{properties:{values:{description:<|"|>Values<|"|>,items:{type:[<|"|>STRING<|"|>,<|"|>NULL<|"|>]},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nMaybe batch<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  array_items_nested_nullable_properties: {
    small:
      '<bos><|turn>system\n<|tool>declaration:annotate_batch{description:<|"|>Annotate batch<|"|>,parameters:{properties:{entries:{description:<|"|>Entries<|"|>,items:{properties:{metadata:{description:<|"|>Metadata<|"|>,nullable:true,properties:{tag:{description:<|"|>Tag<|"|>,type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>},note:{description:<|"|>Note<|"|>,nullable:true,type:<|"|>STRING<|"|>}},required:[<|"|>note<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nAnnotate batch<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:annotate_batch{description:<|"|>Annotate batch<|"|>,parameters:{properties:{entries:{description:<|"|>Entries<|"|>,items:{properties:{metadata:{description:<|"|>Metadata<|"|>,nullable:true,properties:{tag:{description:<|"|>Tag<|"|>,type:<|"|>STRING<|"|>}},type:<|"|>OBJECT<|"|>},note:{description:<|"|>Note<|"|>,nullable:true,type:<|"|>STRING<|"|>}},required:[<|"|>note<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nAnnotate batch<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  array_items_extra_keys: {
    small:
      '<bos><|turn>system\n<|tool>declaration:configure_batch{description:<|"|>Configure batch<|"|>,parameters:{properties:{settings:{description:<|"|>Settings<|"|>,items:{additionalProperties:false,default:{<|"|>mode<|"|>:<|"|>auto<|"|>},nullable:true,properties:{mode:{description:<|"|>Mode<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>mode<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nConfigure batch<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:configure_batch{description:<|"|>Configure batch<|"|>,parameters:{properties:{settings:{description:<|"|>Settings<|"|>,items:{additionalProperties:false,default:{<|"|>mode<|"|>:<|"|>auto<|"|>},nullable:true,properties:{mode:{description:<|"|>Mode<|"|>,type:<|"|>STRING<|"|>}},required:[<|"|>mode<|"|>],type:<|"|>OBJECT<|"|>},type:<|"|>ARRAY<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nConfigure batch<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
  typed_property_union_type: {
    small:
      '<bos><|turn>system\n<|tool>declaration:maybe_name{description:<|"|>Test nullable union<|"|>,parameters:{properties:{name:{description:<|"|>Name<|"|>,type:<|"|>[\'STRING\', \'NULL\']<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n',
    large:
      '<bos><|turn>system\n<|tool>declaration:maybe_name{description:<|"|>Test nullable union<|"|>,parameters:{properties:{name:{description:<|"|>Name<|"|>,type:<|"|>[\'STRING\', \'NULL\']<|"|>}},type:<|"|>OBJECT<|"|>}}<tool|><turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n<|channel>thought\n<channel|>',
  },
};
