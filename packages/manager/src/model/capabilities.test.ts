// Capabilities as Ollama's Model.Capabilities derives them (server/images.go), case by case: the config's list,
// the GGUF (embedding or completion, vision, the Jinja template's tools and thinking when nothing else renders
// the chat), the Go template (tools, insert, thinking tags), a built-in parser, and the gpt-oss family.
import { describe, expect, it } from 'vitest';
import { type CapabilityFacts, missingCapabilityMessage, modelCapabilities } from './capabilities.ts';

const llama = { 'general.architecture': 'llama' };
const facts = (f: Partial<CapabilityFacts>): CapabilityFacts => ({
  modelInfo: llama,
  config: {},
  hasProjector: false,
  ...f,
});
const QWEN25_TOOLS =
  '{{ if .Tools }}{{ .Tools }}{{ end }}{{ range .Messages }}{{ .Content }}{{ if .ToolCalls }}<tool_call>{{ end }}{{ end }}';
const THINKING =
  '{{ range $i, $_ := .Messages }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ .Content }}{{ end }}';

describe('modelCapabilities', () => {
  it('a plain completion model', () => {
    expect(modelCapabilities(facts({ goTemplate: '{{ .Prompt }}' }))).toEqual(['completion']);
  });
  it('tools and insert from the Go template', () => {
    expect(modelCapabilities(facts({ goTemplate: QWEN25_TOOLS }))).toEqual(['completion', 'tools']);
    expect(modelCapabilities(facts({ goTemplate: '<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>' }))).toEqual([
      'completion',
      'insert',
    ]);
  });
  it('thinking from tags around .Thinking in a range over .Messages (thinking.InferTags)', () => {
    expect(modelCapabilities(facts({ goTemplate: THINKING }))).toEqual(['completion', 'thinking']);
  });
  it('an embedding model (a pooling type)', () => {
    expect(
      modelCapabilities(facts({ modelInfo: { 'general.architecture': 'bert', 'bert.pooling_type': 1 } })),
    ).toEqual(['embedding']);
  });
  it('a reranker (a classifier head): rerank alone, though it has a pooling type too', () => {
    const bert = { 'general.architecture': 'bert', 'bert.pooling_type': 4 };
    expect(modelCapabilities(facts({ modelInfo: bert, reranker: true }))).toEqual(['rerank']);
    expect(modelCapabilities(facts({ reranker: true }))).toEqual(['rerank']);
  });
  it('vision from the GGUF or a projector layer', () => {
    expect(modelCapabilities(facts({ hasProjector: true }))).toEqual(['completion', 'vision']);
    expect(modelCapabilities(facts({ modelInfo: { ...llama, 'llama.vision.block_count': 8 } }))).toEqual([
      'completion',
      'vision',
    ]);
  });
  it("the GGUF's Jinja template only when no Go template renders the chat (chatTemplateHasToolSupport, ...ThinkingSupport)", () => {
    const jinja =
      "{% for tool in tools %}{% endfor %}<think>{{ message.content.split('</think>')[0] }}</think>";
    expect(modelCapabilities(facts({ chatTemplate: jinja }))).toEqual(['tools', 'thinking', 'completion']);
    expect(modelCapabilities(facts({ chatTemplate: jinja, goTemplate: '{{ .Prompt }}' }))).toEqual([
      'completion',
    ]);
  });
  it('a built-in parser, the config list, and gpt-oss', () => {
    expect(
      modelCapabilities(facts({ config: { parser: 'qwen3-thinking', renderer: 'qwen3-coder' } })),
    ).toEqual(['completion', 'tools', 'thinking']);
    expect(modelCapabilities(facts({ config: { parser: 'qwen3' } }))).toEqual(['completion', 'tools']);
    expect(modelCapabilities(facts({ config: { capabilities: ['completion', 'vision'] } }))).toEqual([
      'completion',
      'vision',
    ]);
    expect(
      modelCapabilities(facts({ config: { model_family: 'gptoss' }, goTemplate: QWEN25_TOOLS })),
    ).toEqual(['completion', 'tools', 'thinking']);
  });
  it("words a refusal as Ollama does (routes_generate_test.go: 'registry.ollama.ai/library/test:latest does not support insert')", () => {
    expect(missingCapabilityMessage('registry.ollama.ai/library/test:latest', ['insert'])).toBe(
      'registry.ollama.ai/library/test:latest does not support insert',
    );
  });
});
