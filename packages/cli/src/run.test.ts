// `ownchat run` against a real llm-manager: once for scripts (a prompt argument or standard input), and as a
// conversation in a real pseudo-terminal (node-pty): typing, streaming, """ messages, Ctrl+C, /bye, Ctrl+D.
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import pty from '@lydell/node-pty';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  OWNCHAT_BIN,
  ownchat,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notFound } from './testServer.ts';

let setup: ManagerWithModels;
let server: ManagerProcess;
const cli = (args: string[], input?: string) =>
  ownchat(['run', ...args], { env: { OLLAMA_HOST: server.url }, input });

beforeAll(async () => {
  setup = await startManagerWithModels(
    // chatty greedy: sampled at 0.8 this random model now and then ends its answer by itself, before Ctrl+C.
    { det: 'det', chatty: { kind: 'chatty', parameters: { num_predict: 1_000_000, temperature: 0 } } },
    { prefix: 'run' },
  );
  server = setup.manager;
});

afterAll(async () => {
  await setup?.stop();
});

describe('ownchat run, once (for scripts)', () => {
  it('answers a prompt given as arguments on stdout, and exits 0', async () => {
    expect(await cli(['det', 'Why', 'is', 'the', 'sky', 'blue?'])).toEqual({
      code: 0,
      stdout: `${DETERMINISTIC_ANSWER}\n`,
      stderr: '',
    });
  });

  it('answers what is piped to it', async () => {
    const r = await cli(['det'], 'Summarise this text.\nIt has two lines.\n');
    expect(r).toEqual({ code: 0, stdout: `${DETERMINISTIC_ANSWER}\n`, stderr: '' });
  });

  it('prints timings with --verbose, on stderr so stdout stays the answer', async () => {
    const r = await cli(['det', '--verbose', 'Hi']);
    expect(r.stdout).toBe(`${DETERMINISTIC_ANSWER}\n`);
    expect(r.stderr).toMatch(/^eval count: +\d+ token\(s\)$/m);
    expect(r.stderr).toMatch(/^eval rate: +[\d.]+ tokens\/s$/m);
  });

  it('says what to do when there is nothing to answer', async () => {
    expect(await cli(['det'], '')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'ownchat: nothing to answer: give a prompt (ownchat run det "Why is the sky blue?") or pipe one in\n',
    });
  });

  it('says how to get a model that is not there', async () => {
    const r = await cli(['qwen2.5:0.5b', 'Hi']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: notFound('qwen2.5:0.5b'),
    });
  });

  it('stops the answer on Ctrl+C (SIGINT) and exits 130, as an interrupted command does', async () => {
    const child = spawn(process.execPath, [OWNCHAT_BIN, 'run', 'chatty', 'Talk forever.'], {
      env: { ...process.env, OLLAMA_HOST: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    // A death by a signal shows as its name (the exit code is null then), so a failure says which.
    const exited = new Promise<number | string | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? signal)),
    );
    await expect.poll(() => out.length, { timeout: 30_000 }).toBeGreaterThan(20);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(130);
    // The server notices the closed connection at its next token: under load that can take over a second.
    await expect
      .poll(() => server.output(), { timeout: 15_000 })
      .toMatch(/client went away: generation stopped/);
  });
});

/** `ownchat run` in a pseudo-terminal: what a person at a terminal sees and types. */
class Terminal {
  private readonly p: pty.IPty;
  private text = '';
  readonly exited: Promise<number>;

  constructor(args: string[]) {
    this.p = pty.spawn(process.execPath, [OWNCHAT_BIN, 'run', ...args], {
      cols: 120,
      rows: 40,
      env: { ...process.env, OLLAMA_HOST: server.url } as Record<string, string>,
    });
    this.p.onData((d) => {
      this.text += d;
    });
    this.exited = new Promise((resolve) => this.p.onExit((e) => resolve(e.exitCode)));
  }

  /** What the screen shows, without the terminal's control sequences. */
  get screen(): string {
    return stripVTControlCharacters(this.text).replace(/\r/g, '');
  }

  type(keys: string): void {
    this.p.write(keys);
  }

  /** Waits, at most `timeoutMs`, until what appeared after `from` matches. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const seen = this.screen.slice(from);
      if (pattern.test(seen)) return seen;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the terminal never showed ${pattern} after offset ${from}; it shows:\n${this.screen}`);
  }

  kill(): void {
    try {
      this.p.kill('SIGKILL');
    } catch {}
  }
}

describe('ownchat run, in a terminal', () => {
  let term: Terminal | undefined;
  afterEach(() => term?.kill());

  it('streams the answer to a typed message, then asks for the next; /bye leaves', async () => {
    term = new Terminal(['det']);
    await term.waitFor(/>>> $/);
    let mark = term.screen.length;
    term.type('Hello there\r');
    const seen = await term.waitFor(
      new RegExp(`${DETERMINISTIC_ANSWER.replace('.', '\\.')}\\n\\n>>> $`),
      mark,
    );
    expect(seen).toContain('Hello there');

    mark = term.screen.length;
    term.type('/bye\r');
    expect(await Promise.race([term.exited, new Promise((r) => setTimeout(() => r('hung'), 10_000))])).toBe(
      0,
    );
  });

  it('takes a multi-line message between """ and """', async () => {
    term = new Terminal(['det']);
    await term.waitFor(/>>> $/);
    let mark = term.screen.length;
    term.type('"""\r');
    await term.waitFor(/\.\.\. $/, mark);
    mark = term.screen.length;
    term.type('first line\r');
    await term.waitFor(/\.\.\. $/, mark);
    mark = term.screen.length;
    term.type('second line"""\r');
    await term.waitFor(new RegExp(`${DETERMINISTIC_ANSWER.replace('.', '\\.')}\\n\\n>>> $`), mark);
  });

  it('shows help for /? and names an unknown command', async () => {
    term = new Terminal(['det']);
    await term.waitFor(/>>> $/);
    let mark = term.screen.length;
    term.type('/?\r');
    await term.waitFor(/\/bye +Exit[\s\S]*>>> $/, mark);
    mark = term.screen.length;
    term.type('/frobnicate\r');
    await term.waitFor(/Unknown command '\/frobnicate'\. Type \/\? for help\n>>> $/, mark);
  });

  it('stops an answer on Ctrl+C, and is still there for the next message', async () => {
    const stopped = () => server.output().match(/client went away: generation stopped/g)?.length ?? 0;
    const stoppedBefore = stopped();
    term = new Terminal(['chatty']);
    await term.waitFor(/>>> $/);
    const mark = term.screen.length;
    term.type('Talk forever.\r');
    // The answer is streaming: well past the echoed message.
    await term.waitFor(/Talk forever\.\n[\s\S]{40}/, mark);
    term.type('\x03');
    const afterStop = await term.waitFor(/\n>>> $/, mark);
    // The server stopped generating (the answer did not just end on its own). It logs that once the runner has
    // cancelled, which a busy machine can take more than expect.poll's default second for.
    await expect.poll(stopped, { timeout: 15_000 }).toBe(stoppedBefore + 1);

    // Still running: Ctrl+C at an empty prompt explains how to leave, and the next message is answered.
    const next = mark + afterStop.length;
    term.type('\x03');
    await term.waitFor(/Use Ctrl \+ d or \/bye to exit\.\n>>> $/, next);
    term.type('/bye\r');
    expect(await Promise.race([term.exited, new Promise((r) => setTimeout(() => r('hung'), 10_000))])).toBe(
      0,
    );
  });

  it('drops a half-typed message on Ctrl+C, and answers the next one', async () => {
    term = new Terminal(['det']);
    await term.waitFor(/>>> $/);
    let mark = term.screen.length;
    term.type('"""\rhalf a thought\rand more');
    await term.waitFor(/and more$/, mark);
    term.type('\x03');
    await term.waitFor(/and more\n>>> $/, mark);
    mark = term.screen.length;
    // Had the dropped message stayed open, this line would continue it and get no answer.
    term.type('Hi\r');
    await term.waitFor(new RegExp(`${DETERMINISTIC_ANSWER.replace('.', '\\.')}\\n\\n>>> $`), mark);
  });

  it('leaves on Ctrl+D at an empty prompt', async () => {
    term = new Terminal(['det']);
    await term.waitFor(/>>> $/);
    term.type('\x04');
    expect(await Promise.race([term.exited, new Promise((r) => setTimeout(() => r('hung'), 10_000))])).toBe(
      0,
    );
  });

  it('reports a model that is not there before the first prompt', async () => {
    term = new Terminal(['nosuch']);
    expect(await Promise.race([term.exited, new Promise((r) => setTimeout(() => r('hung'), 15_000))])).toBe(
      1,
    );
    expect(term.screen).toBe(notFound('nosuch'));
  });
});
