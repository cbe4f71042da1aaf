// The llm-manager dies in the middle of an answer: the page keeps what arrived, says in plain words what happened
// and where it looked, and Retry works once the llm-manager is back. Here `ownchat up` finds an llm-manager already
// running at OLLAMA_HOST and uses it, so the test can kill and restart that one alone.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  freePort,
  launchBrowser,
  type ManagerProcess,
  startManagerProcess,
  startOwnchatUp,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, DESKTOP, PHONE } from '../testing/chatPage.ts';
import { importTestModels, writeTestModels } from './models.ts';

let dir: string;
let port: number;
let modelsDir: string;
let manager: ManagerProcess;
let up: UpProcess;
let browser: TestBrowser;
let page: Page;
let chat: ChatPage;

const startManager = () => startManagerProcess({ modelsDir, env: { OLLAMA_HOST: `127.0.0.1:${port}` } });

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-restart-'));
  modelsDir = path.join(dir, 'models');
  port = await freePort();
  manager = await startManager();
  await importTestModels(manager.url, await writeTestModels(dir, ['det', 'chatty']));
  up = await startOwnchatUp({ env: { OLLAMA_HOST: `127.0.0.1:${port}`, OWNCHAT_DEFAULT_MODEL: 'det' } });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize(DESKTOP);
  chat = new ChatPage(page);
  await page.goto(up.chatUrl);
});

afterAll(async () => {
  await browser?.close();
  await up?.stop();
  await manager?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

it('keeps the partial answer when the llm-manager is killed, says so, and Retry works once it is back', async () => {
  expect(up.managerUrl).toBe(`http://127.0.0.1:${port}`);
  await chat.modelPicker.selectOption('chatty:latest');
  await chat.send('Talk until something breaks');
  await expect.poll(async () => (await chat.answerText(-1)).length, { timeout: 30_000 }).toBeGreaterThan(60);

  manager.child.kill('SIGKILL');
  const alert = chat.article(-1).getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toContain(
    `The answer was cut off: the connection to the llm-manager at http://127.0.0.1:${port} was lost`,
  );
  expect(await alert.textContent()).toContain('What arrived is kept; press Retry when it is back.');
  await chat.idle();
  const id = Number(/\/c\/(\d+)$/.exec(page.url())![1]);
  const { messages } = (await (await fetch(`${up.chatUrl}/api/conversations/${id}`)).json()) as {
    conversation: Conversation;
    messages: Message[];
  };
  const cut = messages.at(-1)!;
  expect(cut.status).toBe('error');
  expect(cut.content.length).toBeGreaterThan(60);
  // The page shows what the database kept.
  expect(await chat.article(-1).textContent()).toContain(cut.content.trim().slice(0, 40));

  // The model list cannot be read either: the page says where it looked.
  const banner = page.getByRole('alert').filter({ hasText: 'Cannot reach the llm-manager' });
  await banner.waitFor();
  expect(await banner.textContent()).toContain(
    `Cannot reach the llm-manager at http://127.0.0.1:${port} (connection refused)`,
  );
  await chat.screenshot('manager-down-desktop');
  await page.setViewportSize(PHONE);
  await chat.screenshot('manager-down-phone');
  await page.setViewportSize(DESKTOP);

  manager = await startManager();
  await banner.getByRole('button', { name: 'Try again' }).click();
  await expect.poll(() => banner.count()).toBe(0);
  await chat.modelPicker.selectOption('det:latest');
  await chat.article(-1).getByRole('button', { name: 'Retry' }).click();
  expect(await chat.answer(-1)).toBe(DETERMINISTIC_ANSWER);
  expect(await chat.article(-1).getByRole('alert').count()).toBe(0);
  const after = (await (await fetch(`${up.chatUrl}/api/conversations/${id}`)).json()) as {
    messages: Message[];
  };
  expect(after.messages.map((m) => m.status)).toEqual(['done', 'done']);
});
