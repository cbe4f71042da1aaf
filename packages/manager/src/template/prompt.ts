// Rendering a prompt from an Ollama model template (the template layer, or a request's `template`), exactly as
// Ollama's template.Execute does: a template that ranges over .Messages gets the whole conversation; an older
// one (.System/.Prompt/.Response) is run once per turn, and the last turn is cut right after .Response so the
// prompt ends where the model's answer begins.
import { TemplateError, TemplateLimitError } from './errors.ts';
import { execute } from './exec.ts';
import { templateMessage, templateTools, toTypeScriptType } from './goValues.ts';
import { Budget, TEMPLATE_LIMITS, type TemplateLimits } from './limits.ts';
import { cutAfterResponse, type Node, parseTemplate, usesField } from './parser.ts';

export type TemplateMessage = {
  role: string;
  content: string;
  images?: unknown[];
  tool_calls?: unknown[];
  tool_name?: string;
  tool_call_id?: string;
  thinking?: string;
};

export type PromptValues = {
  messages: TemplateMessage[];
  tools?: unknown[];
  /** /api/generate's suffix (fill-in-the-middle): rendered with .Prompt and .Suffix only. */
  suffix?: string;
  prompt?: string;
  /** The request's think: true/false or a level ("low", "medium", "high"); undefined when not set. */
  think?: boolean | string;
};

/**
 * .Think, .ThinkLevel and .IsThinkSet as Ollama's renderPrompt sets them from api.ThinkValue: a level means
 * thinking on; `true` alone is the level "medium".
 */
export function thinkValues(think: boolean | string | undefined) {
  const on =
    think === true || (typeof think === 'string' && ['low', 'medium', 'high', 'max'].includes(think));
  const level = typeof think === 'string' ? think : think === true ? 'medium' : '';
  return { Think: on, ThinkLevel: level, IsThinkSet: think !== undefined };
}

const cache = new Map<string, Node[]>();
/**
 * Model templates are a few kilobytes; a request's `template` may be as large as the body limit, and 64 of
 * those kept would pin gigabytes. Larger ones are parsed each time, never kept.
 */
const MAX_CACHED_TEMPLATE = 256 * 1024;

/** Parses a template once; throws TemplateError naming what is wrong or unsupported. */
export function compileTemplate(src: string): Node[] {
  let nodes = cache.get(src);
  if (!nodes) {
    nodes = parseTemplate(src);
    if (src.length > MAX_CACHED_TEMPLATE) return nodes;
    if (cache.size > 64) cache.clear();
    cache.set(src, nodes);
  }
  return nodes;
}

const FUNCS = {
  currentDate: () => new Date().toISOString().slice(0, 10),
  yesterdayDate: () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
  toTypeScriptType: (v: unknown) => toTypeScriptType(v),
};

/** Whether the template can take a suffix (Ollama's "insert" capability). */
export function templateSupportsSuffix(src: string): boolean {
  return usesField(compileTemplate(src), 'Suffix');
}

export function templateSupportsTools(src: string): boolean {
  return usesField(compileTemplate(src), 'Tools');
}

export function renderPrompt(src: string, v: PromptValues, limits: TemplateLimits = TEMPLATE_LIMITS): string {
  const nodes = compileTemplate(src);
  const budget = new Budget(limits);
  const think = thinkValues(v.think);
  if (v.prompt !== undefined && v.suffix) {
    return execute(nodes, { Prompt: v.prompt, Suffix: v.suffix, Response: '', ...think }, FUNCS, budget);
  }
  const { system, messages } = collate(v.messages);
  if (usesField(nodes, 'Messages')) {
    return execute(
      nodes,
      {
        System: system,
        Messages: messages.map(templateMessage),
        Tools: templateTools(v.tools),
        Response: '',
        ...think,
      },
      FUNCS,
      budget,
    );
  }
  // Legacy templates: one execution per user turn, then the last turn cut after .Response.
  let out = '';
  let sys = '';
  let prompt = '';
  let response = '';
  const turn = (nodesToRun: Node[]) => {
    out += execute(nodesToRun, { System: sys, Prompt: prompt, Response: response, ...think }, FUNCS, budget);
    budget.size(out.length);
    sys = '';
    prompt = '';
    response = '';
  };
  for (const m of messages) {
    if (m.role === 'system') {
      if (prompt || response) turn(nodes);
      sys = m.content;
    } else if (m.role === 'user') {
      if (response) turn(nodes);
      prompt = m.content;
    } else if (m.role === 'assistant') {
      response = m.content;
    }
  }
  turn(cutAfterResponse(nodes));
  return out;
}

/** A short conversation of every kind of turn, with a tool: what a template is tried on when a model is made. */
const TRIAL: PromptValues = {
  messages: [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'What is the weather in Paris?' },
    {
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
    },
    { role: 'tool', content: '{"temperature": 21}', tool_name: 'get_weather' },
    { role: 'assistant', content: 'It is 21 °C.' },
    { role: 'user', content: 'Thanks!' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ],
};

/**
 * Checks a template before a model is made with it: it must parse, and a trial rendering of a short
 * conversation must stay within the limits, so a template that loops for ever is refused when it is stored,
 * not at every request. Other run-time errors are not refused here: they may depend on the conversation.
 */
export function checkTemplate(src: string, limits: TemplateLimits = TEMPLATE_LIMITS): void {
  compileTemplate(src);
  const trials: PromptValues[] = [TRIAL, { messages: [], prompt: 'Hello', suffix: 'world' }];
  for (const values of trials) {
    try {
      renderPrompt(src, structuredClone(values), limits);
    } catch (e) {
      if (e instanceof TemplateLimitError) throw e;
    }
  }
}

/**
 * Ollama's collate: system messages joined into .System (the messages keep them too), consecutive messages of
 * the same role merged with a blank line, except tool results (each keeps its tool_name and tool_call_id). As in
 * Ollama, a merged message keeps the first one's other fields (its tool calls).
 */
function collate(messages: TemplateMessage[]): { system: string; messages: TemplateMessage[] } {
  const systems: string[] = [];
  const out: TemplateMessage[] = [];
  for (const m of messages) {
    if (m.role === 'system') systems.push(m.content);
    const last = out.at(-1);
    if (last && last.role === m.role && m.role !== 'tool') {
      last.content = `${last.content}\n\n${m.content}`;
    } else {
      out.push({ ...m });
    }
  }
  return { system: systems.join('\n\n'), messages: out };
}

export { TemplateError, TemplateLimitError };
