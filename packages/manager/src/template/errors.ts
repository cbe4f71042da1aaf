// A template the renderer cannot use: a syntax error, or a construct outside the part of Go templates that
// Ollama's model templates use. The message names the construct so a user can fix their Modelfile.
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * A template that asks for more work than one prompt may take (steps, output, nesting, time). A subclass of
 * TemplateError, so it is a 400 like any other bad template; create refuses only these on a trial render, since
 * other run-time errors may depend on the conversation.
 */
export class TemplateLimitError extends TemplateError {
  override name = 'TemplateLimitError';
}
