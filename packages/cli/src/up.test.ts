// `ownchat up` (what `npm start` runs) and `ownchat chat`, as a user meets them: one process serving the chat page
// and the Ollama API, an existing Ollama-compatible server reused and named, and errors that say what to change.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ownchat, startManagerProcess, startOwnchatProcess, startOwnchatUp } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';

/** Runs a verb expected to fail: its exit code and what it wrote to stderr. */
const fails = async (args: string[], env: Record<string, string>) => {
  const { code, stderr } = await ownchat(args, { env });
  return { code, stderr };
};

describe('ownchat up', () => {
  it('starts the llm-manager and the chatbot in one process, prints the URL, and stops on SIGTERM', async () => {
    const up = await startOwnchatUp();
    try {
      const page = await fetch(up.chatUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root"></div>');
      const info = (await (await fetch(`${up.chatUrl}/api/info`)).json()) as { upstream: string };
      expect(info.upstream).toBe(up.managerUrl);
      // The llm-manager is there for every other Ollama client too.
      expect(await (await fetch(up.managerUrl)).text()).toBe('Ollama is running');
      expect(up.child.pid).toBeGreaterThan(0);
    } finally {
      expect(await up.stop()).toBe(0);
    }
  });

  it("gives the chatbot the llm-manager's API key when OWNCHAT_API_KEYS is set", async () => {
    const up = await startOwnchatUp({ env: { OWNCHAT_API_KEYS: 'first-key,second-key' } });
    try {
      expect((await fetch(`${up.managerUrl}/api/tags`)).status).toBe(401);
      const models = await fetch(`${up.chatUrl}/api/models`);
      expect(models.status).toBe(200);
    } finally {
      await up.stop();
    }
  });

  it('uses an Ollama-compatible server that already answers at OLLAMA_HOST, and says so', async () => {
    const existing = await startManagerProcess();
    try {
      const hostPort = existing.url.replace('http://', '');
      const up = await startOwnchatUp({ env: { OLLAMA_HOST: hostPort } });
      try {
        expect(up.output()).toContain(
          `ownchat: an Ollama-compatible server already answers at ${existing.url}: the chatbot uses it (no second llm-manager is started)`,
        );
        expect(up.managerUrl).toBe(existing.url);
        expect(up.output()).not.toContain('llm-manager listening');
        const info = (await (await fetch(`${up.chatUrl}/api/info`)).json()) as { upstream: string };
        expect(info.upstream).toBe(existing.url);
      } finally {
        await up.stop();
      }
    } finally {
      await existing.stop();
    }
  });

  it('says when the chatbot address is taken, naming the setting that moves it', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await fails(['up'], {
        OLLAMA_HOST: '127.0.0.1:0',
        OWNCHAT_LISTEN: `127.0.0.1:${port}`,
        OWNCHAT_DATA: await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-up-')),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `ownchat: cannot start the chatbot: 127.0.0.1:${port} is already in use (is another ownchat running? set OWNCHAT_LISTEN to use another address)`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('ownchat chat', () => {
  it('serves the chatbot alone, for the llm-manager at OLLAMA_HOST', async () => {
    const manager = await startManagerProcess();
    const chat = await startOwnchatProcess(['chat'], {
      env: { OLLAMA_HOST: manager.url, OWNCHAT_LISTEN: '127.0.0.1:0', OWNCHAT_DATA: manager.modelsDir },
      ready: /ownchat chatbot: open (http:\/\/\S+) \(llm-manager: (\S+)\)/,
    });
    try {
      expect(chat.match[2]).toBe(manager.url);
      const models = await fetch(`${chat.match[1]}/api/models`);
      expect(models.status).toBe(200);
    } finally {
      expect(await chat.stop()).toBe(0);
      await manager.stop();
    }
  });

  it('refuses a malformed OWNCHAT_LISTEN with one line naming it', async () => {
    const r = await fails(['chat'], { OWNCHAT_LISTEN: 'localhost:http' });
    expect(r).toEqual({
      code: 1,
      stderr: 'ownchat: OWNCHAT_LISTEN="localhost:http": port "http" is not a port number\n',
    });
  });

  it('--help lists the chatbot settings with their defaults', async () => {
    const r = (await ownchat(['--help'])).stdout;
    expect(r).toMatch(/^\s+chat\s+Start the chatbot web app/m);
    expect(r).toMatch(
      /OWNCHAT_LISTEN\s+Address the chatbot web app listens on .*\(default: 127\.0\.0\.1:8080\)/,
    );
    expect(r).toMatch(/OWNCHAT_DATA\s+.*\(default: ~\/\.ownchat\)/);
    expect(r).toMatch(/OWNCHAT_DEFAULT_MODEL\s+.*\(default: qwen2\.5:0\.5b\)/);
    expect(r).toMatch(/OWNCHAT_API_KEY\s+.*Authorization: Bearer/);
  });
});
