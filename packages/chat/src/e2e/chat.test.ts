// The chat in a real Chromium against a real `ownchat up` (llm-manager and chatbot in one process), with models
// the testkit writes: what a user does, selected by role and label, with screenshots of the main views.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  launchBrowser,
  SPACE_MARKER,
  sentenceTokens,
  startOwnchatUp,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, DESKTOP, PHONE, piecesShown } from '../testing/chatPage.ts';
import { importTestModels, MARKDOWN_ANSWER, SLOW_ANSWER, writeTestModels } from './models.ts';

let dir: string;
let up: UpProcess;
let browser: TestBrowser;
let page: Page;
let chat: ChatPage;
const dialogs: string[] = [];

const api = async <T>(route: string, init?: RequestInit): Promise<T> =>
  (await (await fetch(`${up.chatUrl}${route}`, init)).json()) as T;
const tagName = (e: { tagName: string }) => e.tagName;
const currentId = () => Number(/\/c\/(\d+)$/.exec(page.url())?.[1]);
const stored = async () =>
  api<{ conversation: Conversation; messages: Message[] }>(`/api/conversations/${currentId()}`);

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-e2e-'));
  const files = await writeTestModels(dir, ['det', 'slow', 'chatty', 'md']);
  up = await startOwnchatUp({ env: { OWNCHAT_DEFAULT_MODEL: 'det' } });
  await importTestModels(up.managerUrl, files, { 'det-spare': 'det' });
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: up.chatUrl });
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  chat = new ChatPage(page);
  await page.setViewportSize(DESKTOP);
  await page.goto(up.chatUrl);
});

afterAll(async () => {
  await browser?.close();
  await up?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('chatting', () => {
  it('sends with Enter and streams the answer token by token, then says how fast and where it ran', async () => {
    await chat.page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    await chat.screenshot('empty-desktop');
    await chat.modelPicker.selectOption('slow:latest');
    const growth = await chat.recordGrowth();
    await chat.messageBox.fill('Tell me about foxes');
    await chat.messageBox.press('Enter');
    // A model that is not loaded yet is a wait, not an error: the page says what it waits for.
    await chat
      .article(-1)
      .getByText(/Loading slow:latest into memory/)
      .waitFor();
    await chat.screenshot('loading-desktop');
    expect(await chat.answer(-1, 60_000)).toBe(SLOW_ANSWER);

    // The page showed the answer growing: many partial answers, not one jump to the whole text.
    const pieces = sentenceTokens(SLOW_ANSWER).map((t) => t.replaceAll(SPACE_MARKER, ' '));
    const partial = new Set(
      (await growth()).map((t) => piecesShown(t, pieces)).filter((n) => n > 0 && n < pieces.length),
    );
    // A busy machine renders a few tokens at a time; a held-back stream renders none before the end.
    expect(partial.size).toBeGreaterThanOrEqual(4);

    expect(await chat.article(0).textContent()).toContain('Tell me about foxes');
    await expect.poll(() => page.url()).toMatch(/\/c\/\d+$/);
    const stats = await chat.article(1).textContent();
    expect(stats).toMatch(/[\d.]+ tokens\/s · [\d.]+ (ms|s) to first token · on CPU/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Tell me about foxes');
  });

  it('Shift+Enter starts a new line instead of sending', async () => {
    await chat.modelPicker.selectOption('det:latest');
    await chat.messageBox.click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await chat.messageBox.inputValue()).toBe('line one\nline two');
    await page.keyboard.press('Enter');
    expect(await chat.answer(-1)).toBe(DETERMINISTIC_ANSWER);
    expect(await chat.article(-2).textContent()).toContain('line one\nline two');
  });

  it('Stop (and Esc) ends the answer at once: what arrived is kept and marked, and generation stops', async () => {
    await chat.newChat();
    await chat.modelPicker.selectOption('chatty:latest');
    await chat.send('Talk for a long time');
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await expect
      .poll(async () => (await chat.answerText(-1)).length, { timeout: 30_000 })
      .toBeGreaterThan(40);
    await chat.screenshot('streaming-desktop');
    const stopsBefore = up.output().split('generation stopped').length;
    await page.getByRole('button', { name: 'Stop' }).click();
    await chat.idle();
    await chat.article(-1).getByText('Stopped here.').waitFor();
    const kept = await chat.answerText(-1);
    await page.waitForTimeout(700);
    expect(await chat.answerText(-1)).toBe(kept);
    await expect
      .poll(() => up.output().split('generation stopped').length, { timeout: 10_000 })
      .toBeGreaterThan(stopsBefore);
    const answer = (await stored()).messages.at(-1)!;
    expect(answer.status).toBe('stopped');
    expect(kept).toContain(answer.content.trim().slice(0, 20));

    // Esc stops as well, wherever the focus is.
    await chat.article(-1).getByRole('button', { name: 'Regenerate' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    // The new answer replaces the stopped one: wait for it to have begun.
    await chat.article(-1).getByText('Stopped here.').waitFor({ state: 'detached' });
    await expect
      .poll(async () => (await chat.answerText(-1)).length, { timeout: 30_000 })
      .toBeGreaterThan(20);
    await page.keyboard.press('Escape');
    await chat.idle();
    await chat.article(-1).getByText('Stopped here.').waitFor();
    expect((await stored()).messages.map((m) => m.status)).toEqual(['done', 'stopped']);
  });

  it('keeps a multi-turn conversation, and a reload shows it all again', async () => {
    await chat.newChat();
    await chat.send('First question');
    await chat.answer(1);
    await chat.send('Second question');
    await chat.answer(3);
    const before = await chat.articles.allInnerTexts();
    expect(before).toHaveLength(4);
    const url = page.url();
    await page.reload();
    await chat.article(3).getByRole('button', { name: 'Regenerate' }).waitFor();
    expect(page.url()).toBe(url);
    expect(await chat.articles.allInnerTexts()).toEqual(before);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('First question');
  });

  it('edits a question (the rest of the conversation is rewritten) and regenerates an answer', async () => {
    await chat.article(0).hover();
    await chat.article(0).getByRole('button', { name: 'Edit' }).click();
    const box = chat.article(0).getByRole('textbox', { name: 'Edit message' });
    await box.fill('First question, asked better');
    await chat.article(0).getByRole('button', { name: 'Save and send' }).click();
    await expect.poll(() => chat.articles.count()).toBe(2);
    expect(await chat.answer(1)).toBe(DETERMINISTIC_ANSWER);
    expect(await chat.article(0).textContent()).toContain('First question, asked better');
    const oldId = (await stored()).messages[1]!.id;

    await chat.article(1).getByRole('button', { name: 'Regenerate' }).click();
    await expect
      .poll(async () => (await stored()).messages[1]?.id, { timeout: 30_000 })
      .toBeGreaterThan(oldId);
    // Polled: the new answer is stored before it is complete, and the Regenerate button answer() waits for can
    // still be showing then (CI once read the new answer's first three words here).
    await expect.poll(() => chat.answerText(1), { timeout: 30_000 }).toBe(DETERMINISTIC_ANSWER);
    expect(await chat.articles.count()).toBe(2);
  });

  it('renders markdown with highlighted, copyable code, and nothing in an answer runs', async () => {
    await chat.newChat();
    await chat.modelPicker.selectOption('md:latest');
    await chat.send('Show me some markdown');
    await chat.answer(1);
    const answer = chat.article(1);
    expect(await answer.getByText('bold', { exact: true }).evaluate(tagName)).toBe('STRONG');
    expect(await answer.getByText('inline', { exact: true }).evaluate(tagName)).toBe('CODE');
    // The code block is highlighted: its keyword and number are marked up separately.
    expect(await answer.getByText('const', { exact: true }).evaluate(tagName)).toBe('SPAN');
    expect(await answer.getByText('42', { exact: true }).evaluate(tagName)).toBe('SPAN');
    // Raw HTML is shown as the text it is (issue 19: not dropped), never rendered; a javascript: link goes nowhere.
    expect(await answer.getByRole('img').count()).toBe(0);
    expect(await answer.locator('img, script, iframe').count()).toBe(0);
    expect(await answer.textContent()).toContain('with inline <img src=x onerror=alert(1)> click then');
    // A javascript: link loses its target: the word stays, as text.
    await answer.getByText('click', { exact: true }).waitFor();
    expect(await answer.getByRole('link').count()).toBe(0);
    expect(await answer.textContent()).not.toMatch(/javascript/);
    expect(dialogs).toEqual([]);

    await answer.getByRole('button', { name: 'Copy code' }).click();
    await answer.getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('const answer = 42;');
    await answer.getByRole('button', { name: 'Copy answer' }).click();
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(MARKDOWN_ANSWER);

    await chat.screenshot('markdown-desktop-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await chat.screenshot('markdown-desktop-dark');
    await page.setViewportSize(PHONE);
    await chat.screenshot('markdown-phone-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await chat.screenshot('markdown-phone-light');
    await page.setViewportSize(DESKTOP);
  });
});

describe('what a user typed is shown as typed (issue 19)', () => {
  it('shows a question that looks like HTML escaped, in the bubble and the title, and renders none of it', async () => {
    await chat.newChat();
    await chat.modelPicker.selectOption('det:latest');
    const question =
      'what does <div> do? and <b>this</b> <script>alert(1)</script> <img src=x onerror=alert(2)>';
    await chat.send(question);
    expect(await chat.answer(1)).toBe(DETERMINISTIC_ANSWER);
    const asked = chat.article(0);
    expect(await asked.locator('.bubble').textContent()).toBe(question);
    expect(await asked.locator('div div, b, script, img').count()).toBe(0);
    await page
      .getByRole('link', { name: /what does <div> do\?/ })
      .first()
      .waitFor();
    expect(dialogs).toEqual([]);
    await chat.screenshot('html-as-typed-desktop');
  });
});

describe('conversations', () => {
  it('each remembers its system prompt, temperature and context length', async () => {
    await chat.newChat();
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Conversation settings' });
    await dialog.getByRole('textbox', { name: 'System prompt' }).fill('Answer in one sentence.');
    await dialog.getByRole('spinbutton', { name: 'Temperature' }).fill('0.4');
    await dialog.getByRole('spinbutton', { name: 'Context length (tokens)' }).fill('1024');
    await chat.screenshot('settings-desktop');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await chat.send('Settings check');
    await chat.answer(1);
    expect((await stored()).conversation).toMatchObject({
      system: 'Answer in one sentence.',
      options: { temperature: 0.4, num_ctx: 1024 },
    });
    await page.reload();
    await chat.article(1).getByRole('button', { name: 'Regenerate' }).waitFor();
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    expect(await dialog.getByRole('textbox', { name: 'System prompt' }).inputValue()).toBe(
      'Answer in one sentence.',
    );
    expect(await dialog.getByRole('spinbutton', { name: 'Temperature' }).inputValue()).toBe('0.4');
    expect(await dialog.getByRole('spinbutton', { name: 'Context length (tokens)' }).inputValue()).toBe(
      '1024',
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('are listed, renamed, searched and deleted', async () => {
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    await nav.getByRole('link', { name: 'Settings check' }).waitFor();
    await nav.getByRole('button', { name: 'Rename “Settings check”' }).click();
    const title = nav.getByRole('textbox', { name: 'Conversation title' });
    await title.fill('Renamed chat');
    await title.press('Enter');
    await nav.getByRole('link', { name: 'Renamed chat' }).waitFor();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Renamed chat');

    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('foxes');
    await expect
      .poll(() => nav.getByRole('list').getByRole('link').allInnerTexts())
      .toEqual(['Tell me about foxes']);
    await search.fill('no such words anywhere');
    await nav.getByText('No conversation matches.').waitFor();
    await search.fill('');
    await nav.getByRole('link', { name: 'Renamed chat' }).waitFor();

    const id = currentId();
    await nav.getByRole('button', { name: 'Delete “Renamed chat”' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this conversation?' });
    await confirm.getByRole('button', { name: 'Delete conversation' }).click();
    await expect.poll(() => nav.getByRole('link', { name: 'Renamed chat' }).count()).toBe(0);
    await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    expect((await fetch(`${up.chatUrl}/api/conversations/${id}`)).status).toBe(404);
  });

  it('work on a phone-sized screen: the list is a drawer', async () => {
    await page.setViewportSize(PHONE);
    const menu = page.getByRole('button', { name: 'Conversations', exact: true });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await chat.screenshot('drawer-phone-light');
    await page
      .getByRole('navigation', { name: 'Conversations' })
      .getByRole('link', { name: 'Tell me about foxes' })
      .click();
    await chat.article(1).getByRole('button', { name: 'Regenerate' }).waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await chat.screenshot('conversation-phone-light');
    await page.setViewportSize(DESKTOP);
  });
});

describe('models', () => {
  it('the picker shows size, family and quantization, and where a loaded model runs', async () => {
    await chat.newChat();
    const options = await chat.modelPicker.locator('option').allInnerTexts();
    expect(options).toEqual(expect.arrayContaining([expect.stringMatching(/^det-spare:latest · 4\d\d KB$/)]));
    expect(options.find((o) => o.startsWith('det:latest'))).toMatch(/^det:latest · 4\d\d KB · on CPU$/);
    const details = page.locator('#model-details');
    expect(await chat.modelPicker.getAttribute('aria-describedby')).toBe('model-details');
    expect(await details.textContent()).toMatch(/llama · 107K · F32 · 4\d\d KB\s*CPU/);
  });

  it('deletes a model after a confirmation, and a failed pull says why', async () => {
    await chat.modelPicker.selectOption({ label: 'Pull or delete models…' });
    const dialog = page.getByRole('dialog', { name: 'Models' });
    await dialog.getByText('det-spare:latest').waitFor();
    await chat.screenshot('models-desktop');
    await dialog.getByRole('button', { name: 'Delete det-spare:latest' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this model?' })
      .getByRole('button', { name: 'Delete model' })
      .click();
    await dialog.getByRole('status').getByText('det-spare:latest deleted.').waitFor();
    await expect.poll(() => dialog.getByText('det-spare:latest', { exact: true }).count()).toBe(0);
    expect(await chat.modelPicker.locator('option').allInnerTexts()).not.toContain(
      expect.stringMatching(/^det-spare/),
    );

    await dialog.getByRole('textbox', { name: 'Model to pull' }).fill('nowhere-to-be-found:1b');
    await dialog.getByRole('button', { name: 'Pull' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Could not pull "nowhere-to-be-found:1b": \S/);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('a conversation whose model is gone says so where the answer would be, with Retry', async () => {
    const c = await api<Conversation>('/api/conversations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'vanished:7b' }),
    });
    await page.goto(`${up.chatUrl}/c/${c.id}`);
    await chat.modelPicker.waitFor();
    await expect
      .poll(() => chat.modelPicker.locator('option:checked').textContent())
      .toBe('vanished:7b (not downloaded yet)');
    // Only the default model is pulled by a first message: the page says how to get this one.
    // Polled: the hint appears once the page has fetched the model list, after the picker shows the name.
    await expect
      .poll(() => page.locator('#model-details').textContent())
      .toBe('Not on the llm-manager: pull it from the last entry of this menu');
    await chat.send('Are you there?');
    const alert = chat.article(1).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      'The model "vanished:7b" is not on the llm-manager. Choose another model, or pull it from the model menu.',
    );
    await alert.getByRole('button', { name: 'Retry' }).waitFor();
    await chat.screenshot('model-missing-desktop');
  });
});
