// The llm-manager's request bodies as JSON Schemas, for the fuzz suite to generate requests from. The routes read
// their bodies field by field (http/validate.ts) rather than through Fastify schemas, so these are written from
// the wire types: Ollama's api/types.go (GenerateRequest, ChatRequest, EmbedRequest, CreateRequest, …), its
// openai/openai.go, and ollama-api.md. A route the server registers without an entry here fails the fuzz test.
import type { JsonSchema } from '@ownchat/testkit';

const str: JsonSchema = { type: 'string' };
const int: JsonSchema = { type: 'integer' };
const num: JsonSchema = { type: 'number' };
const bool: JsonSchema = { type: 'boolean' };
const strings: JsonSchema = { type: 'array', items: str };

/** api.Options: the runner and sampling options a request may carry. */
const options: JsonSchema = {
  type: 'object',
  properties: {
    num_keep: int,
    seed: int,
    num_predict: { type: 'integer', minimum: -2, maximum: 64 },
    top_k: int,
    top_p: num,
    min_p: num,
    typical_p: num,
    repeat_last_n: int,
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    repeat_penalty: num,
    presence_penalty: num,
    frequency_penalty: num,
    stop: strings,
    numa: bool,
    num_ctx: { type: 'integer', minimum: 0, maximum: 8192 },
    num_batch: int,
    num_gpu: int,
    main_gpu: int,
    use_mmap: bool,
    num_thread: { type: 'integer', minimum: 0, maximum: 4 },
    // Speculative decoding's draft length (model/options.ts): Ollama's name and ownchat's older one.
    draft_num_predict: { type: 'integer', minimum: -1, maximum: 40 },
    draft_max: int,
  },
};

const keepAlive: JsonSchema = {
  anyOf: [
    { type: 'integer', minimum: -1, maximum: 600 },
    { enum: ['5m', '0', '-1', '1h30m', '10s', 'forever', '5 minutes'] },
  ],
};
const format: JsonSchema = {
  anyOf: [
    { enum: ['json', ''] },
    { type: 'object', properties: { type: { enum: ['object', 'string', 'array'] } } },
  ],
};
const think: JsonSchema = { anyOf: [bool, { enum: ['high', 'medium', 'low', 'max'] }] };
const toolCall: JsonSchema = {
  type: 'object',
  properties: { function: { type: 'object', properties: { name: str, arguments: { type: 'object' } } } },
};
const tool: JsonSchema = {
  type: 'object',
  properties: {
    type: { const: 'function' },
    function: { type: 'object', properties: { name: str, description: str, parameters: { type: 'object' } } },
  },
};
const message: JsonSchema = {
  type: 'object',
  required: ['role', 'content'],
  properties: {
    role: { enum: ['system', 'user', 'assistant', 'tool', 'developer'] },
    content: str,
    images: strings,
    tool_calls: { type: 'array', items: toolCall },
    tool_name: str,
    thinking: str,
  },
};

/** top_logprobs just past Ollama's 0..20 on both sides, so its refusal is fuzzed too. */
const topLogprobs: JsonSchema = { type: 'integer', minimum: -1, maximum: 21 };
/** Log probabilities and what happens past num_ctx (truncate, shift), on /api/generate and /api/chat. */
const answerExtras: Record<string, JsonSchema> = {
  logprobs: bool,
  top_logprobs: topLogprobs,
  truncate: bool,
  shift: bool,
};

const generate: JsonSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: str,
    prompt: str,
    suffix: str,
    system: str,
    template: str,
    context: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 600 } },
    stream: bool,
    raw: bool,
    format,
    images: strings,
    keep_alive: keepAlive,
    options,
    think,
    ...answerExtras,
  },
};

const chat: JsonSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: str,
    messages: { type: 'array', items: message },
    tools: { type: 'array', items: tool },
    format,
    stream: bool,
    keep_alive: keepAlive,
    options,
    think,
    ...answerExtras,
  },
};

const embed: JsonSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: str,
    input: { anyOf: [str, strings] },
    truncate: bool,
    dimensions: int,
    keep_alive: keepAlive,
    options,
  },
};

/** llama.cpp's and Jina's rerank request (documents as strings or Jina's {text} objects). */
const rerank: JsonSchema = {
  type: 'object',
  required: ['model', 'query', 'documents'],
  properties: {
    model: str,
    query: str,
    documents: { type: 'array', items: { anyOf: [str, { type: 'object', properties: { text: str } }] } },
    top_n: int,
    return_documents: bool,
    keep_alive: keepAlive,
    options,
  },
};

const create: JsonSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: str,
    from: str,
    files: { type: 'object', properties: { 'model.gguf': str, 'other.gguf': str } },
    draft_files: { type: 'object', properties: { 'draft.gguf': str } },
    draft_quantize: { enum: ['q8_0', 'Q4_K_M', ''] },
    adapters: { type: 'object', properties: { 'adapter.gguf': str } },
    template: str,
    license: { anyOf: [str, strings] },
    system: str,
    parameters: options,
    messages: { type: 'array', items: message },
    quantize: { enum: ['q4_K_M', 'q8_0', 'Q4_0', 'f16'] },
    parser: {
      enum: [
        'harmony',
        'qwen3',
        'qwen3-thinking',
        'passthrough',
        'deepseek3',
        'ministral',
        'qwen3-coder',
        'gemma4',
        'gemma4-no-thinking',
      ],
    },
    renderer: str,
    stream: bool,
  },
};

const openaiMessage: JsonSchema = {
  type: 'object',
  required: ['role', 'content'],
  properties: {
    role: { enum: ['system', 'user', 'assistant', 'tool', 'developer'] },
    content: {
      anyOf: [
        str,
        {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              type: { enum: ['text', 'image_url'] },
              text: str,
              image_url: { type: 'object', properties: { url: str } },
            },
          },
        },
      ],
    },
    name: str,
    tool_calls: { type: 'array', items: toolCall },
    tool_call_id: str,
  },
};

const openaiSampling: Record<string, JsonSchema> = {
  stream: bool,
  stream_options: { type: 'object', properties: { include_usage: bool } },
  max_tokens: { type: 'integer', minimum: -1, maximum: 64 },
  temperature: { type: 'number', minimum: 0, maximum: 2 },
  top_p: num,
  stop: { anyOf: [str, strings] },
  seed: int,
  frequency_penalty: num,
  presence_penalty: num,
  n: { type: 'integer', minimum: 0, maximum: 3 },
};

/** Anthropic's content blocks (anthropic/anthropic.go ContentBlock): text, image, tool_use, tool_result, thinking. */
const anthropicBlock: JsonSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['text', 'image', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'] },
    text: str,
    source: { type: 'object', properties: { type: { enum: ['base64', 'url'] }, media_type: str, data: str } },
    id: str,
    name: str,
    input: { type: 'object' },
    tool_use_id: str,
    content: {
      anyOf: [str, { type: 'array', items: { type: 'object', properties: { type: str, text: str } } }],
    },
    thinking: str,
    signature: str,
  },
};

/** Anthropic's MessagesRequest (and CountTokensRequest, a part of it). */
const anthropicMessages: JsonSchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: str,
    max_tokens: { type: 'integer', minimum: -1, maximum: 64 },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['user', 'assistant', 'system'] },
          content: { anyOf: [str, { type: 'array', items: anthropicBlock }] },
        },
      },
    },
    system: { anyOf: [str, { type: 'array', items: anthropicBlock }] },
    stream: bool,
    temperature: { type: 'number', minimum: 0, maximum: 1 },
    top_p: num,
    top_k: int,
    stop_sequences: strings,
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { type: str, name: str, description: str, input_schema: { type: 'object' } },
      },
    },
    tool_choice: {
      type: 'object',
      properties: { type: { enum: ['auto', 'any', 'tool', 'none'] }, name: str },
    },
    thinking: {
      type: 'object',
      properties: { type: { enum: ['enabled', 'disabled', 'adaptive'] }, budget_tokens: int },
    },
    output_config: { type: 'object', properties: { effort: { enum: ['low', 'medium', 'high', 'xhigh'] } } },
    metadata: { type: 'object', properties: { user_id: str } },
  },
};

/** OpenAI's Responses input content parts (openai/responses.go ResponsesContent). */
const responsesContent: JsonSchema = {
  anyOf: [
    str,
    {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { enum: ['input_text', 'output_text', 'input_image', 'input_file'] },
          text: str,
          image_url: str,
          detail: str,
        },
      },
    },
  ],
};

/** OpenAI's ResponsesRequest as Ollama reads it. */
const responses: JsonSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: str,
    input: {
      anyOf: [
        str,
        {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              type: {
                enum: ['message', 'function_call', 'function_call_output', 'reasoning', 'web_search_call'],
              },
              role: { enum: ['user', 'assistant', 'system', 'developer'] },
              content: responsesContent,
              call_id: str,
              name: str,
              arguments: str,
              output: responsesContent,
              encrypted_content: str,
            },
          },
        },
      ],
    },
    instructions: str,
    max_output_tokens: { type: 'integer', minimum: -1, maximum: 64 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    top_p: num,
    stream: bool,
    reasoning: {
      type: 'object',
      properties: { effort: { enum: ['none', 'minimal', 'low', 'medium', 'high'] } },
    },
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { enum: ['function', 'namespace', 'web_search'] },
          name: str,
          description: str,
          strict: bool,
          parameters: { type: 'object' },
        },
      },
    },
    tool_choice: { enum: ['auto', 'none', 'required'] },
    text: {
      type: 'object',
      properties: { format: { type: 'object', properties: { type: str, schema: { type: 'object' } } } },
    },
    truncation: { enum: ['auto', 'disabled'] },
  },
};

/** Body schemas by route (`METHOD /pattern`); null: the route takes no body (a body sent anyway is fuzz too). */
export const MANAGER_REQUEST_SCHEMAS: Record<string, JsonSchema | null> = {
  'GET /': null,
  'HEAD /': null,
  'GET /api/version': null,
  'HEAD /api/version': null,
  'GET /api/tags': null,
  'HEAD /api/tags': null,
  'GET /api/ps': null,
  'HEAD /api/ps': null,
  'GET /healthz': null,
  'HEAD /healthz': null,
  'GET /readyz': null,
  'HEAD /readyz': null,
  'GET /metrics': null,
  'HEAD /metrics': null,
  'POST /api/show': {
    type: 'object',
    properties: { model: str, name: str, verbose: bool, system: str, template: str, options },
  },
  'POST /api/generate': generate,
  'POST /api/chat': chat,
  'POST /api/embed': embed,
  'POST /api/embeddings': {
    type: 'object',
    required: ['model'],
    properties: { model: str, prompt: str, keep_alive: keepAlive, options },
  },
  'POST /api/rerank': rerank,
  'POST /api/create': create,
  'POST /api/copy': {
    type: 'object',
    required: ['source', 'destination'],
    properties: { source: str, destination: str },
  },
  'DELETE /api/delete': { type: 'object', required: ['model'], properties: { model: str, name: str } },
  'POST /api/pull': {
    type: 'object',
    required: ['model'],
    properties: { model: str, name: str, insecure: bool, stream: bool },
  },
  'POST /api/push': {
    type: 'object',
    required: ['model'],
    properties: { model: str, name: str, insecure: bool, stream: bool },
  },
  // Ollama's cloud routes, answered as an Ollama with cloud turned off.
  'GET /api/status': null,
  'HEAD /api/status': null,
  'POST /api/experimental/web_search': {
    type: 'object',
    required: ['query'],
    properties: { query: str, max_results: { type: 'integer' } },
  },
  'POST /api/experimental/web_fetch': { type: 'object', required: ['url'], properties: { url: str } },
  'GET /api/experimental/model-recommendations': null,
  'HEAD /api/experimental/model-recommendations': null,
  'POST /api/me': null,
  'POST /api/signout': null,
  'DELETE /api/user/keys/:encodedKey': null,
  // The blob routes take raw bytes, generated by the fuzz suite itself.
  'HEAD /api/blobs/:digest': null,
  'POST /api/blobs/:digest': null,
  'GET /v1/models': null,
  'HEAD /v1/models': null,
  'GET /v1/models/*': null,
  'HEAD /v1/models/*': null,
  'POST /v1/chat/completions': {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: str,
      messages: { type: 'array', items: openaiMessage },
      ...openaiSampling,
      logprobs: bool,
      top_logprobs: topLogprobs,
      max_completion_tokens: { type: 'integer', minimum: -1, maximum: 64 },
      response_format: {
        type: 'object',
        properties: {
          type: { enum: ['text', 'json_object', 'json_schema'] },
          json_schema: { type: 'object', properties: { name: str, schema: { type: 'object' } } },
        },
      },
      tools: { type: 'array', items: tool },
      reasoning_effort: { enum: ['low', 'medium', 'high', 'none'] },
    },
  },
  'POST /v1/responses': responses,
  'POST /v1/messages': anthropicMessages,
  'POST /v1/messages/count_tokens': anthropicMessages,
  'POST /v1/completions': {
    type: 'object',
    required: ['model', 'prompt'],
    properties: {
      model: str,
      prompt: str,
      suffix: str,
      echo: bool,
      ...openaiSampling,
      logprobs: { type: 'integer', minimum: -1, maximum: 21 },
    },
  },
  'POST /v1/rerank': rerank,
  'POST /v1/embeddings': {
    type: 'object',
    required: ['model', 'input'],
    properties: {
      model: str,
      input: { anyOf: [str, strings, { type: 'array', items: int }] },
      encoding_format: { enum: ['float', 'base64', 'hex'] },
      dimensions: int,
    },
  },
};
