// What the chatbot and the ownchat command both need as clients of an Ollama-style server, in one place:
// model names compared as Ollama compares them, a pull's progress summed as Ollama's own progress bar does, and
// Node's fetch without its 300 s timeouts, and which models take a level of thinking.
// `@ownchat/chat/shared` loads these small modules only, not the chatbot's server.
export { modelKey, sameModel, shortModelName } from './modelNames.ts';
export {
  applyPullEvent,
  emptyPull,
  type LayerState,
  layerRate,
  overallRate,
  type PullEvent,
  type PullState,
  type Rate,
  SPEED_WINDOW_MS,
  shortDigest,
} from './pullProgress.ts';
export {
  DEFAULT_THINK_LEVEL,
  isThinkLevel,
  THINK_LEVELS,
  type ThinkLevel,
  takesThinkLevels,
} from './thinkLevels.ts';
export { type UntimedFetch, untimedFetch } from './untimedFetch.ts';
