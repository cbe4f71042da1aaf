// The admins' status page in a real Chromium against a real `ownchat up` under load (answers streaming at once
// from a test model): charts that move between two screenshots taken seconds apart, each chart named for screen
// readers and a table of the same numbers, the loaded model, usage after answers by two users with the
// llm-manager's exact token counts, the CSV download, and the admin-only rule. Screenshots at desktop (light
// and dark) and phone width go to test-output/screenshots.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, startOwnchatUp, type TestBrowser, type UpProcess } from '@ownchat/testkit';
import { Ollama } from 'ollama';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Conversation } from '../api.ts';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { Account } from '../testing/account.ts';
import { ChatPage, DESKTOP, PHONE } from '../testing/chatPage.ts';
import { readStream } from '../testing/sse.ts';
import { importTestModels, writeTestModels } from './models.ts';

let dir: string;
let up: UpProcess;
const browsers: TestBrowser[] = [];
const accounts: Account[] = [];
let alice: Account;
let bob: Account;
let admin: ChatPage;

const QUESTION = 'Hello there';

async function signedInPage(name: string, password: string, viewport: typeof DESKTOP): Promise<ChatPage> {
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(up.chatUrl);
  await page.getByRole('textbox', { name: 'Username' }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
  return new ChatPage(page);
}

async function ask(who: Account, model: string, content: string): Promise<void> {
  const c: Conversation = (await who.request('POST', '/api/conversations', { model })).body;
  const r = await readStream(`${up.chatUrl}/api/conversations/${c.id}/messages`, { content }, who.headers());
  expect(r.events.at(-1)?.event).toBe('done');
}

const chart = (page: Page, name: string) => page.getByRole('figure', { name });

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-status-e2e-'));
  const files = await writeTestModels(dir, ['det', 'slow']);
  up = await startOwnchatUp({
    env: {
      OWNCHAT_DEFAULT_MODEL: 'det',
      OWNCHAT_AUTH: 'local',
      OWNCHAT_STATUS_INTERVAL: '1s',
      // The load below starts many answers a minute.
      OWNCHAT_GENERATIONS_PER_MINUTE: '0',
    },
  });
  await importTestModels(up.managerUrl, files);
  alice = new Account(up.chatUrl);
  bob = new Account(up.chatUrl);
  accounts.push(alice, bob);
  expect((await alice.signUp('alice', 'alice password')).status).toBe(201);
  expect((await bob.signUp('bob', 'bob password')).status).toBe(202);
  const users = (await alice.request('GET', '/api/users')).body.users as { id: number; name: string }[];
  await alice.request('PATCH', `/api/users/${users.find((u) => u.name === 'bob')!.id}`, { status: 'active' });
  expect((await bob.signIn('bob', 'bob password')).status).toBe(200);
  admin = await signedInPage('alice', 'alice password', DESKTOP);
}, 120_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  for (const a of accounts) await a.close();
  await up?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

it('shows live charts that move while answers stream, each named, with a table of the same numbers', async () => {
  const page = admin.page;
  await admin.screenshot('status-link-desktop');
  await page.getByRole('link', { name: 'Status' }).click();
  await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();

  // Load: three answers at a time from the slow model, one after another, until the test has seen enough.
  let loading = true;
  const workers = [1, 2, 3].map(async () => {
    while (loading) await ask(alice, 'slow', 'Tell me.');
  });
  try {
    const tokens = chart(page, 'Tokens per second');
    const requests = chart(page, 'Requests running and waiting');
    // The accessible name says what the chart shows last: a model generating, requests running.
    await tokens.getByRole('img', { name: /slow:latest [1-9][\d.]* tokens\/s/ }).waitFor({ timeout: 30_000 });
    await requests.getByRole('img', { name: /running [1-9]/ }).waitFor({ timeout: 30_000 });
    await chart(page, 'Time to first token')
      .getByRole('img', { name: /slow:latest p50 \d/ })
      .waitFor({ timeout: 30_000 });
    for (const name of [
      'Tokens per second',
      'Requests running and waiting',
      'Time to first token',
      'Context in use',
    ]) {
      expect(await chart(page, name).locator('canvas').count(), name).toBeGreaterThan(0);
    }
    // The drawing itself (the canvas and its legend), not the line of latest values above it.
    const before = await tokens.getByRole('img').screenshot();
    await admin.screenshot('status-live-desktop');
    await page.waitForTimeout(3_000);
    const after = await tokens.getByRole('img').screenshot();
    // New readings arrived without a reload: the chart was redrawn with them.
    expect(Buffer.compare(before, after)).not.toBe(0);

    // The same numbers as a table.
    await page.getByText('Table of the last readings').click();
    const readings = page.getByRole('table', { name: /The last \d+ readings/ });
    await readings.getByRole('columnheader', { name: 'slow:latest tokens/s' }).waitFor();
    expect(await readings.getByRole('row').count()).toBeGreaterThan(2);

    const loaded = page.getByRole('region', { name: 'Loaded models' });
    const row = loaded.getByRole('row', { name: /slow:latest/ });
    await row.waitFor();
    expect(await row.getByRole('cell').first().textContent()).toBe('CPU');
    expect(await row.textContent()).toMatch(/tokens/);
    await page.emulateMedia({ colorScheme: 'dark' });
    await admin.screenshot('status-live-dark-desktop');
    await page.emulateMedia({ colorScheme: 'light' });
  } finally {
    loading = false;
    await Promise.all(workers);
  }
}, 120_000);

it('counts the tokens of two users exactly as the llm-manager reports them, and downloads them as CSV', async () => {
  // The same question asked of the llm-manager directly: what each answer must count.
  const direct = await new Ollama({ host: up.managerUrl }).chat({
    model: 'det',
    messages: [{ role: 'user', content: QUESTION }],
  });
  const p = direct.prompt_eval_count;
  const e = direct.eval_count;
  await ask(alice, 'det', QUESTION);
  await ask(alice, 'det', QUESTION);
  await ask(bob, 'det', QUESTION);

  const page = admin.page;
  const usage = page.getByRole('region', { name: 'Usage' });
  await usage.getByRole('button', { name: 'Refresh' }).click();
  const table = usage.getByRole('table', { name: 'Usage' });
  const cells = async (user: string, model: string) => {
    const row = table
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: user, exact: true }) });
    const texts = await row
      .filter({ hasText: new RegExp(`^${user}${model}`) })
      .getByRole('cell')
      .allTextContents();
    return texts.slice(0, 4);
  };
  await expect
    .poll(() => cells('bob', 'det'), { timeout: 10_000 })
    .toEqual(['det', '1', String(p), String(e)]);
  expect(await cells('alice', 'det')).toEqual(['det', '2', String(2 * p), String(2 * e)]);
  await usage.getByRole('radio', { name: '7 days' }).check();
  await expect.poll(() => cells('alice', 'det')).toEqual(['det', '2', String(2 * p), String(2 * e)]);
  await usage.scrollIntoViewIfNeeded();
  await admin.screenshot('status-usage-desktop');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    usage.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^ownchat-usage-7d-\d{4}-\d\d-\d\d\.csv$/);
  const csv = await fs.readFile((await download.path())!, 'utf8');
  expect(csv.split('\r\n')).toEqual(
    expect.arrayContaining([
      expect.stringMatching(new RegExp(`^alice,det,2,0,${2 * p},${2 * e},[\\d.]+$`)),
      expect.stringMatching(new RegExp(`^bob,det,1,0,${p},${e},[\\d.]+$`)),
    ]),
  );

  // At phone width: the same page, one chart per row.
  await page.setViewportSize(PHONE);
  await page.evaluate('window.scrollTo(0, 0)');
  await admin.screenshot('status-phone');
  await usage.scrollIntoViewIfNeeded();
  await admin.screenshot('status-usage-phone');
}, 60_000);

it('is for admins only: a user has no Status link, and the page and its API refuse him', async () => {
  const user = await signedInPage('bob', 'bob password', PHONE);
  const page = user.page;
  await page.getByRole('button', { name: 'Conversations' }).click();
  await page.getByRole('region', { name: 'Account' }).getByText('Signed in as bob').waitFor();
  expect(await page.getByRole('link', { name: 'Status' }).count()).toBe(0);
  await page.goto(`${up.chatUrl}/status`);
  await page.getByRole('alert').getByText('Only an admin can see the status page.').waitFor();
  expect(await page.getByRole('figure').count()).toBe(0);
  const refused = await page.evaluate("fetch('/api/status').then((r) => r.status)");
  expect(refused).toBe(403);
  await user.screenshot('status-refused-phone');
}, 60_000);
