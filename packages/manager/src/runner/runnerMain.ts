// The runner: a child process that holds one loaded model and generates with it, as Ollama runs one
// llama-server per model. A native crash here (a bad GGUF, an assertion in llama.cpp) ends this process only;
// the llm-manager sees the exit, fails this model's requests with a clear error and keeps serving.
// Everything in this folder runs here, in the child; the manager's side of the boundary is engine/runnerProcess.ts,
// and protocol.ts holds the messages between the two.
import { ModelRunner } from './modelRunner.ts';
import type { FromRunner, ToRunner } from './protocol.ts';

const runner = new ModelRunner(
  (message: FromRunner) => process.send?.(message),
  () => {
    process.exitCode = 1;
    process.disconnect?.();
  },
);
process.on('message', (message: ToRunner) => runner.handle(message));

// The manager going away (its IPC channel closes) ends the runner: no orphaned model stays in memory.
process.on('disconnect', () => process.exit(0));
