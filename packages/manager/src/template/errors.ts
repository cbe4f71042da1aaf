// A template the renderer cannot use: a syntax error, or a construct outside the part of Go templates that
// Ollama's model templates use. The message names the construct so a user can fix their Modelfile.
export class TemplateError extends Error {
  override name = 'TemplateError';
}
