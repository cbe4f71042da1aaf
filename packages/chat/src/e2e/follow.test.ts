// A page reloaded mid-answer follows the answer in a real Chromium: the answer goes on being written without its
// first page (server/answers.ts), and the page opened again shows the rest live (GET /api/messages/:id/events),
// then the final state. On SQLite (the default) and on PostgreSQL (DATABASE_URL), where the route polls the row.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importModel, launchBrowser, type Postgres, startOwnchatUp, startPostgres } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, DESKTOP } from '../testing/chatPage.ts';
import { writeTestModels } from './models.ts';

/** Long enough to reload the page well before the end, short enough to wait for: num_predict ends it. */
const TOKENS = 3000;

let dir: string;
let chattyFile: string;
let pg: Postgres | undefined;

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-follow-'));
  chattyFile = (await writeTestModels(dir, ['chatty'])).chatty!;
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe.each([
  ['SQLite', async () => ({})],
  [
    'PostgreSQL',
    async () => {
      pg ??= await startPostgres();
      return { DATABASE_URL: await pg.createDatabase() };
    },
  ],
])('on %s', (_name, database) => {
  it('a page reloaded mid-answer follows the rest of it live, to its end', async () => {
    const up = await startOwnchatUp({ env: await database() });
    const browser = await launchBrowser();
    try {
      // Greedy decoding loops forever; num_predict ends the answer, with or without a page watching.
      await importModel(up.managerUrl, 'chatty', chattyFile, {
        parameters: { temperature: 0, num_predict: TOKENS },
      });
      const page = await browser.context.newPage();
      await page.setViewportSize(DESKTOP);
      const chat = new ChatPage(page);
      await page.goto(up.chatUrl);
      await chat.modelPicker.selectOption('chatty:latest');
      await chat.send('Talk for a long time');
      await expect
        .poll(async () => (await chat.answerText(-1)).length, { timeout: 30_000 })
        .toBeGreaterThan(40);
      await expect.poll(() => page.url()).toMatch(/\/c\/\d+$/);
      const id = Number(/\/c\/(\d+)$/.exec(page.url())![1]);
      const stored = async () =>
        (await (await fetch(`${up.chatUrl}/api/conversations/${id}`)).json()) as {
          conversation: Conversation;
          messages: Message[];
        };

      await page.reload();
      // Opened again mid-answer: the page shows what is saved and Stop, since the answer is still being written.
      await page.getByRole('button', { name: 'Stop' }).waitFor();
      expect((await stored()).messages.at(-1)!.status).toBe('streaming');
      await expect
        .poll(async () => (await chat.answerText(-1)).length, { timeout: 10_000 })
        .toBeGreaterThan(0);
      const afterReload = (await chat.answerText(-1)).length;
      // It grows on this page with no new request from it but the follow: live.
      await expect
        .poll(async () => (await chat.answerText(-1)).length, { timeout: 20_000 })
        .toBeGreaterThan(afterReload + 40);
      expect((await stored()).messages.at(-1)!.status).toBe('streaming');

      // And it ends here as it ends on the server: done, with its statistics, the same text the page grew.
      const shown = await chat.answer(-1, 120_000);
      await chat.idle();
      const answer = (await stored()).messages.at(-1)!;
      expect(answer).toMatchObject({ status: 'done', stats: { evalCount: TOKENS } });
      expect(await chat.article(-1).textContent()).toMatch(/[\d.]+ tokens\/s/);
      expect(shown.length).toBeGreaterThan(afterReload + 40);
      // The page's copy holds the saved answer (markdown aside: compare the start of its text).
      expect(shown.replace(/\s+/g, ' ')).toContain(answer.content.trim().slice(0, 20).replace(/\s+/g, ' '));
    } finally {
      await browser.close();
      await up.stop();
    }
  }, 240_000);
});
