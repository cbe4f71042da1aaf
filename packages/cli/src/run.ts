// `ownchat run MODEL [PROMPT]`: a chat in the terminal, as `ollama run` is. With a prompt argument or text on
// standard input it answers once and exits (for scripts); on a terminal it is a conversation: answers stream
// as they are written, """ opens a multi-line message, /bye (or Ctrl+D) leaves, and Ctrl+C stops the answer
// being written, not the program.
import readline from 'node:readline';
import { Command } from 'commander';
import type { AbortableAsyncIterator, ChatResponse, GenerateResponse, Message } from 'ollama';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { CliError } from './errors.ts';
import { MultilineInput } from './multiline.ts';

type RunOptions = { keepalive?: string; verbose?: boolean };

export function runCommand(): Command {
  return new Command('run')
    .description('Chat with a model in the terminal, or answer one prompt (argument or standard input)')
    .argument('<model>', 'model name, e.g. qwen2.5:0.5b')
    .argument('[prompt...]', 'answer this once and exit, instead of starting a conversation')
    .option(
      '--keepalive <duration>',
      'how long the model stays loaded after the last answer (e.g. 5m, 1h, 0)',
    )
    .option('--verbose', 'print timings and tokens per second after each answer (on stderr)')
    .action(clientAction(run));
}

async function run(conn: Connection, model: string, words: string[], opts: RunOptions): Promise<void> {
  const parts = [...words];
  if (!process.stdin.isTTY) {
    const piped = await readAll(process.stdin);
    if (piped.trim()) parts.unshift(piped);
  }
  if (parts.length > 0 || !process.stdin.isTTY) {
    const prompt = parts.join(' ');
    if (!prompt.trim()) {
      throw new CliError(
        `nothing to answer: give a prompt (ownchat run ${model} "Why is the sky blue?") or pipe one in`,
      );
    }
    return answerOnce(conn, model, prompt, opts);
  }
  return converse(conn, model, opts);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return text;
}

/**
 * One prompt, one streamed answer on stdout; Ctrl+C stops it and exits with 130 as an interrupted command. The
 * handler is in place from before the request (Ctrl+C while the model loads counts too) until the answer has
 * been printed, so no Ctrl+C in between falls through to the default, which kills the process by the signal.
 */
async function answerOnce(conn: Connection, model: string, prompt: string, opts: RunOptions): Promise<void> {
  let stream: AbortableAsyncIterator<GenerateResponse> | undefined;
  let interrupted = false;
  const onSigint = () => {
    // Before the answer starts (or at a second Ctrl+C) there is nothing to wait for: closing the connection by
    // exiting is what tells the server to stop.
    if (interrupted || !stream) interrupt();
    interrupted = true;
    stream.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    stream = await conn.client.generate({ model, prompt, stream: true, keep_alive: opts.keepalive });
    const last = await print(stream, (p) => p.response ?? '');
    process.stdout.write('\n');
    if (opts.verbose && last) printStats(last);
  } catch (e) {
    if (!interrupted) throw e;
    interrupt();
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Ends the command as an interrupted one: the line closed, exit status 130 (128 + SIGINT). */
function interrupt(): never {
  process.stdout.write('\n');
  process.exit(130);
}

/** Writes each part as it arrives; returns the final (done) part. */
async function print<T extends { done: boolean }>(
  stream: AbortableAsyncIterator<T>,
  text: (part: T) => string,
): Promise<T | undefined> {
  let last: T | undefined;
  for await (const part of stream) {
    process.stdout.write(text(part));
    last = part;
  }
  return last?.done ? last : undefined;
}

function printStats(r: GenerateResponse | ChatResponse): void {
  const s = (ns: number) => `${(ns / 1e9).toFixed(3)}s`;
  const rate = (n: number, ns: number) => (ns > 0 ? `${((n * 1e9) / ns).toFixed(2)} tokens/s` : 'n/a');
  process.stderr.write(
    [
      `total duration:       ${s(r.total_duration)}`,
      `load duration:        ${s(r.load_duration)}`,
      `prompt eval count:    ${r.prompt_eval_count} token(s)`,
      `prompt eval duration: ${s(r.prompt_eval_duration)}`,
      `prompt eval rate:     ${rate(r.prompt_eval_count, r.prompt_eval_duration)}`,
      `eval count:           ${r.eval_count} token(s)`,
      `eval duration:        ${s(r.eval_duration)}`,
      `eval rate:            ${rate(r.eval_count, r.eval_duration)}`,
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );
}

const HELP = `Available commands:
  /clear          Forget the conversation so far
  /bye            Exit (Ctrl+D works too)
  /?, /help       Show this help

Use """ to begin a multi-line message, and """ again to end it.
Ctrl+C stops an answer while it is being written.
`;

/** The interactive conversation. */
async function converse(conn: Connection, model: string, opts: RunOptions): Promise<void> {
  // Load the model first, as Ollama does: a missing model or a failed load is reported before the first prompt.
  await conn.client.chat({ model, messages: [], keep_alive: opts.keepalive });

  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: '>>> ',
    terminal: true,
    historySize: 200,
  });
  const input = new MultilineInput();
  const messages: Message[] = [];
  let answering: AbortableAsyncIterator<ChatResponse> | undefined;

  rl.on('SIGINT', () => {
    if (answering) {
      answering.abort();
      return;
    }
    rl.setPrompt('>>> ');
    if (input.open || rl.line.length > 0) {
      // Ctrl+C on a half-typed message drops it, as a shell drops a half-typed command: what was typed stays
      // on screen, and the emptied line (Ctrl+E, Ctrl+U) redraws as a fresh prompt on the next line.
      input.reset();
      process.stdout.write('\n');
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
    } else {
      process.stdout.write('\nUse Ctrl + d or /bye to exit.\n');
      rl.prompt();
    }
  });

  rl.prompt();
  for await (const line of rl) {
    // A line that starts with "/" is a command, unless it is inside a """ message.
    if (!input.open && line.trim().startsWith('/')) {
      const command = line.trim().split(/\s+/)[0]!;
      if (command === '/bye' || command === '/exit') break;
      if (command === '/clear') {
        messages.length = 0;
        process.stdout.write('Cleared session context\n');
      } else if (command === '/?' || command === '/help') {
        process.stdout.write(HELP);
      } else {
        process.stdout.write(`Unknown command '${command}'. Type /? for help\n`);
      }
      rl.prompt();
      continue;
    }
    const got = input.feed(line);
    rl.setPrompt(got.kind === 'more' ? '... ' : '>>> ');
    if (got.kind === 'more' || !got.text.trim()) {
      rl.prompt();
      continue;
    }
    const text = got.text;

    const asked: Message = { role: 'user', content: text };
    let answer = '';
    let last: ChatResponse | undefined;
    try {
      answering = await conn.client.chat({
        model,
        messages: [...messages, asked],
        stream: true,
        keep_alive: opts.keepalive,
      });
      last = await print(answering, (p) => {
        answer += p.message.content;
        return p.message.content;
      });
    } catch (e) {
      if (!answering || !isAbort(e)) {
        rl.close();
        throw e;
      }
    } finally {
      answering = undefined;
    }
    process.stdout.write('\n\n');
    // An answer stopped with Ctrl+C is left out of the conversation, with the message that asked for it.
    if (last) {
      messages.push(asked, { role: 'assistant', content: answer });
      if (opts.verbose) printStats(last);
    }
    rl.prompt();
  }
  rl.close();
}

function isAbort(e: unknown): boolean {
  const err = e as { name?: string; message?: string };
  return err?.name === 'AbortError' || /abort/i.test(err?.message ?? '');
}
