// The chat behind a real nginx with its default buffering (proxy_buffering on, as most installations have it) and
// gzip for event streams, which many enable: together they would hold a stream back until it ends, unless the
// response opts out with X-Accel-Buffering: no. Tokens must still reach the page one by one, and Stop still stop.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  launchBrowser,
  type Nginx,
  SPACE_MARKER,
  sentenceTokens,
  startNginx,
  startOwnchatUp,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, piecesShown } from '../testing/chatPage.ts';
import { importTestModels, SLOW_ANSWER, writeTestModels } from './models.ts';

let dir: string;
let up: UpProcess;
let nginx: Nginx;
let browser: TestBrowser;
let page: Page;
let chat: ChatPage;

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-nginx-e2e-'));
  up = await startOwnchatUp({ env: { OWNCHAT_DEFAULT_MODEL: 'slow' } });
  await importTestModels(up.managerUrl, await writeTestModels(dir, ['slow', 'chatty']));
  nginx = await startNginx(up.chatUrl, { http: ['gzip on;', 'gzip_types text/event-stream;'] });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  chat = new ChatPage(page);
  await page.goto(nginx.url);
});

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await up?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

it('streams tokens to the page one by one through nginx', async () => {
  const growth = await chat.recordGrowth();
  await chat.send('Stream through the proxy');
  expect(await chat.answer(-1, 60_000)).toBe(SLOW_ANSWER);
  const pieces = sentenceTokens(SLOW_ANSWER).map((t) => t.replaceAll(SPACE_MARKER, ' '));
  const partial = new Set(
    (await growth()).map((t) => piecesShown(t, pieces)).filter((n) => n > 0 && n < pieces.length),
  );
  // Held back by nginx, the whole answer would arrive at once, at the end: no partial answer at all.
  expect(partial.size).toBeGreaterThanOrEqual(4);
});

it('stops the generation through nginx', async () => {
  await chat.newChat();
  await chat.modelPicker.selectOption('chatty:latest');
  await chat.send('Talk through the proxy');
  await expect.poll(async () => (await chat.answerText(-1)).length, { timeout: 30_000 }).toBeGreaterThan(40);
  const stopsBefore = up.output().split('generation stopped').length;
  await page.getByRole('button', { name: 'Stop' }).click();
  await chat.idle();
  await chat.article(-1).getByText('Stopped here.').waitFor();
  await expect
    .poll(() => up.output().split('generation stopped').length, { timeout: 10_000 })
    .toBeGreaterThan(stopsBefore);
});
