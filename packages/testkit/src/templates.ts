// Ollama Go templates that test models are imported with, where more than one suite needs the same one.

/**
 * A qwen3-style template that puts <think> tags around .Thinking in a range over .Messages, so the llm-manager
 * knows the model thinks (capability `thinking`) and splits its output into `thinking` and content, as Ollama's
 * thinking.InferTags does.
 */
export const THINKER_TEMPLATE = `{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if .Thinking }}<think>{{ .Thinking }}</think>
{{ end }}{{ .Content }}{{ if not $last }}<|im_end|>
{{ end }}
{{- end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}`;

/**
 * THINKER_TEMPLATE with the level of thinking written into the prompt, as gpt-oss's template writes
 * "Reasoning: {{ .ThinkLevel }}" into its system message, and a note of a different length for each level: a test
 * sees which level reached the llm-manager in the prompt's token count.
 */
export const THINKER_LEVELS_TEMPLATE = `{{- if .ThinkLevel }}<|im_start|>system
Reasoning: {{ .ThinkLevel }}
{{- if eq .ThinkLevel "low" }} (a quick look: keep the reasoning to a line or two){{ end }}
{{- if eq .ThinkLevel "high" }} (take your time){{ end }}<|im_end|>
{{ end }}${THINKER_TEMPLATE}`;
