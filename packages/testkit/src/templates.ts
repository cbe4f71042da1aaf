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
