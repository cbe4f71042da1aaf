// The chatbot's memory: a real `ownchat chat` process idle on an empty database, and the same serving 100
// conversations of 200 messages each (the list, every conversation opened once, a search). The reference is a bare
// Node HTTP server in its own process: what any Node server costs before it does anything. Ratio: reference RSS /
// chatbot RSS with the 20,000 messages (1 = no more than a bare server). Goal ≥ 0.4: the chatbot's libraries (Fastify,
// SQLite, the ollama client) may cost what a bare Node costs once more, and the messages stay on disk, not in memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startOwnchatProcess } from '@ownchat/testkit';
import { openChatStore } from '../packages/chat/src/db/chatStore.ts';
import type { Benchmark } from './run.ts';

const CONVERSATIONS = 100;
const MESSAGES = 200;
const SETTLE_MS = 3000;

const MB = 1024 * 1024;

/** Resident memory of a process (Linux /proc), in bytes. */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A chat that looks like one: questions of a sentence or two, answers of a few paragraphs. */
async function seed(file: string): Promise<void> {
  const store = await openChatStore(file);
  const question =
    'How do I make the build reproducible when a dependency pulls a different minor version? '.repeat(2);
  const answer = `${'Pin the exact version in package.json and commit the lockfile; then `npm ci` installs exactly what the lockfile says. '.repeat(6)}\n\n\`\`\`sh\nnpm i -E some-package@1.2.3\n\`\`\``;
  const now = Date.now();
  for (let c = 0; c < CONVERSATIONS; c++) {
    const conv = await store.createConversation('anyone', {
      model: 'qwen2.5:0.5b',
      title: `Conversation ${c + 1}`,
    });
    const rows = Array.from({ length: MESSAGES }, (_, i) => ({
      conversation_id: conv.id,
      role: i % 2 ? 'assistant' : 'user',
      content: i % 2 ? answer : question,
      status: 'done',
      error: null,
      stats: i % 2 ? JSON.stringify({ tokensPerSecond: 42.1, timeToFirstTokenMs: 180 }) : null,
      model: i % 2 ? 'qwen2.5:0.5b' : null,
      created_at: now + i,
      updated_at: now + i,
    }));
    await store.db.insertInto('messages').values(rows).execute();
  }
  await store.close();
}

const BARE_SERVER = `
import http from 'node:http';
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`;

async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<string>((resolve) =>
      child.stdout.on('data', (d) => {
        const m = /listening (\d+)/.exec(String(d));
        if (m) resolve(m[1]!);
      }),
    );
    await (await fetch(`http://127.0.0.1:${port}/`)).text();
    await sleep(SETTLE_MS);
    return rss(child.pid!);
  } finally {
    child.kill();
  }
}

async function chatRss(data: string, exercise: (url: string) => Promise<void>): Promise<number> {
  const chat = await startOwnchatProcess(['chat'], {
    // No llm-manager is needed to keep conversations: the address is never called here.
    env: {
      OLLAMA_HOST: '127.0.0.1:9',
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_DATA: data,
      OWNCHAT_LOG_LEVEL: 'warn',
    },
    ready: /ownchat chatbot: open (http:\/\/\S+)/,
  });
  try {
    const url = chat.match[1]!;
    await (await fetch(`${url}/`)).text();
    await exercise(url);
    await sleep(SETTLE_MS);
    return rss(chat.child.pid!);
  } finally {
    await chat.stop();
  }
}

async function run() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-bench-memory-'));
  try {
    const full = path.join(dir, 'full');
    const t = performance.now();
    await seed(path.join(full, 'chat.db'));
    const seedSeconds = (performance.now() - t) / 1000;
    const dbBytes = (await fs.stat(path.join(full, 'chat.db'))).size;

    const bare = await bareNodeRss();
    const idle = await chatRss(path.join(dir, 'empty'), async () => {});
    const loaded = await chatRss(full, async (url) => {
      const { conversations } = (await (await fetch(`${url}/api/conversations`)).json()) as {
        conversations: { id: number }[];
      };
      if (conversations.length !== CONVERSATIONS)
        throw new Error(`listed ${conversations.length} conversations`);
      for (const c of conversations) {
        const r = (await (await fetch(`${url}/api/conversations/${c.id}`)).json()) as { messages: unknown[] };
        if (r.messages.length !== MESSAGES)
          throw new Error(`conversation ${c.id} has ${r.messages.length} messages`);
      }
      await (await fetch(`${url}/api/conversations?q=lockfile`)).json();
    });
    console.log(
      `  bare Node ${(bare / MB).toFixed(1)} MiB, chatbot idle ${(idle / MB).toFixed(1)} MiB, with ${CONVERSATIONS}×${MESSAGES} messages ${(loaded / MB).toFixed(1)} MiB`,
    );
    return {
      ratio: bare / loaded,
      goal: 0.4,
      metrics: {
        conversations: CONVERSATIONS,
        messages_per_conversation: MESSAGES,
        database_MiB: dbBytes / MB,
        seed_seconds: seedSeconds,
        reference_bare_node_rss_MiB: bare / MB,
        chatbot_idle_rss_MiB: idle / MB,
        chatbot_with_messages_rss_MiB: loaded / MB,
        settle_ms: SETTLE_MS,
      },
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'chat-memory',
  description:
    "the chatbot's resident memory idle and serving 100 conversations of 200 messages vs a bare Node HTTP server (ratio of RSS)",
  run,
};
export default bench;
