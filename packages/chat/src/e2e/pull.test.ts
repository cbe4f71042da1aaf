// Pulling in the page, from a real OCI registry (Debian's docker-registry) behind a TCP proxy that limits the
// bandwidth as a real link does: the first message of a new chat pulls the missing default model, and the model
// manager pulls a model with one honest progress bar (every layer summed, speed, time left) and Cancel.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  launchBrowser,
  type PushedModel,
  pushModel,
  type Registry,
  startOwnchatUp,
  startRegistry,
  startTcpProxy,
  type TcpProxy,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, PHONE } from '../testing/chatPage.ts';
import { writeTestModels } from './models.ts';

const MB = 1_000_000;

let dir: string;
let registry: Registry;
let proxy: TcpProxy;
let big: PushedModel;
let up: UpProcess;
let browser: TestBrowser;
let page: Page;
let chat: ChatPage;

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-pull-e2e-'));
  const files = await writeTestModels(dir, ['det', 'slow']);
  registry = await startRegistry();
  await pushModel(registry.url, 'library/det:latest', files.det!);
  big = await pushModel(registry.url, 'team/big:latest', files.slow!);
  proxy = await startTcpProxy(registry.url);
  // The registry is plain HTTP: a name spelled http:// says so, and the operator allows that registry.
  up = await startOwnchatUp({
    env: {
      OWNCHAT_DEFAULT_MODEL: `http://${proxy.host}/library/det`,
      OWNCHAT_INSECURE_REGISTRIES: proxy.host,
    },
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  chat = new ChatPage(page);
  await page.goto(up.chatUrl);
});

afterAll(async () => {
  await browser?.close();
  await up?.stop();
  await proxy?.close();
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

it('the first message of a new chat pulls the missing default model, with progress, then answers', async () => {
  // 440 KB at 150 KB/s: a few seconds of progress to see.
  proxy.setRate(150_000);
  await chat.page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
  // The page's model list arrives a moment after its heading.
  await expect
    .poll(() => chat.modelPicker.locator('option:checked').textContent())
    .toMatch(/\(not downloaded yet\)$/);
  await chat.send('Hello, new model');
  const bar = chat.article(-1).getByRole('progressbar', { name: `Pulling http://${proxy.host}/library/det` });
  await bar.waitFor({ timeout: 30_000 });
  await chat
    .article(-1)
    .getByText(/Downloading .* to the llm-manager/)
    .waitFor();
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await chat.screenshot('pull-first-message-desktop');
  proxy.setRate(undefined);
  expect(await chat.answer(-1, 60_000)).toBe(DETERMINISTIC_ANSWER);
});

it('pulls a model from the model menu with one honest bar, and Cancel stops it', async () => {
  const total = big.layers.reduce((n, l) => n + l.size, 0);
  // About 110 MB at 12 MB/s: long enough to read the bar, cancel, and pull again.
  proxy.setRate(12 * MB);
  await chat.newChat();
  await chat.modelPicker.selectOption({ label: 'Pull or delete models…' });
  const dialog = page.getByRole('dialog', { name: 'Models' });
  const name = `http://${proxy.host}/team/big`;
  await dialog.getByRole('textbox', { name: 'Model to pull' }).fill(name);
  await dialog.getByRole('button', { name: 'Pull' }).click();
  const bar = dialog.getByRole('progressbar', { name: `Pulling ${name}` });
  await bar.waitFor();
  // Every layer summed: the bar's total is the model's size; speed and time left once they can be measured.
  await expect
    .poll(async () => (await bar.getAttribute('aria-valuetext')) ?? '', { timeout: 30_000 })
    .toMatch(/^\d+%: [\d.]+ MB of 1\d\d MB · [\d.]+ MB\/s · about .* left$/);
  expect(await bar.getAttribute('aria-valuetext')).toContain(`of ${Math.round(total / MB)} MB`);
  await chat.screenshot('pull-progress-desktop');
  // The admins' status page lists it while it runs (and not once it is cancelled, below).
  const pullsListed = async () =>
    (
      (await page.evaluate("fetch('/api/status').then((r) => r.json())")) as { pulls: { model: string }[] }
    ).pulls.map((p) => p.model);
  expect(await pullsListed()).toEqual([name]);
  const pullsBefore = up.output().split('"url":"/api/pull"').length;
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByText(`Pull of ${name} cancelled.`).waitFor();
  expect(await dialog.getByText(`${proxy.host}/team/big:latest`).count()).toBe(0);
  await expect.poll(pullsListed).toEqual([]);
  // Cancel started no other pull.
  await page.waitForTimeout(500);
  expect(up.output().split('"url":"/api/pull"').length).toBe(pullsBefore);

  proxy.setRate(undefined);
  await dialog.getByRole('button', { name: 'Pull' }).click();
  await dialog.getByRole('status').getByText(`${name} is ready.`).waitFor({ timeout: 60_000 });
  await dialog.getByText(`${proxy.host}/team/big:latest`, { exact: true }).waitFor();
  await page.setViewportSize(PHONE);
  await chat.screenshot('models-phone');
  await dialog.getByRole('button', { name: 'Close' }).click();
  expect(await chat.modelPicker.locator('option').allTextContents()).toContainEqual(
    expect.stringMatching(new RegExp(`^${proxy.host.replace(/\./g, '\\.')}/team/big:latest · 1\\d\\d MB$`)),
  );
});
