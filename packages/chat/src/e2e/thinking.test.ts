// A model that thinks, in a real Chromium against a real `ownchat up`: its reasoning streams into the page, folds
// under "Thought for …" once the answer starts, is kept with the answer and comes back folded after a reload.
// The Think switch (a conversation setting) sends think: false; for a model whose thinking takes a level (gpt-oss:
// here the thinker under a gpt-oss name, with a template that writes the level into the prompt) it offers low,
// medium and high, kept by the conversation and sent as think: "low"….
// The thinker test model (models.ts) answers `<think> THINKING </think> THOUGHT_ANSWER` through real inference; the
// llm-manager splits that into message.thinking and content, as Ollama does for a template with <think> tags.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  launchBrowser,
  ollamaClient,
  startOwnchatUp,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, DESKTOP } from '../testing/chatPage.ts';
import { importTestModels, THINKING, THOUGHT_ANSWER, writeTestModels } from './models.ts';

let dir: string;
let up: UpProcess;
let browser: TestBrowser;
let page: Page;
let chat: ChatPage;

/** What a reader sees of the answer with its thinking folded: the summary line, then the answer alone. */
const folded = new RegExp(`^Thought for [^\\n]+\\n+${THOUGHT_ANSWER}$`);
const currentId = () => Number(/\/c\/(\d+)$/.exec(page.url())?.[1]);
const stored = async () =>
  (await (await fetch(`${up.chatUrl}/api/conversations/${currentId()}`)).json()) as {
    conversation: Conversation;
    messages: Message[];
  };

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-e2e-think-'));
  const files = await writeTestModels(dir, ['thinker']);
  up = await startOwnchatUp({ env: { OWNCHAT_DEFAULT_MODEL: 'thinker' } });
  await importTestModels(up.managerUrl, files, { 'gpt-oss-thinker': 'thinker' });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  chat = new ChatPage(page);
  await page.setViewportSize(DESKTOP);
  await page.goto(up.chatUrl);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await up?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a model that thinks', () => {
  it('streams its thinking, folds it under "Thought for" when the answer starts, and keeps it over a reload', async () => {
    await chat.page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    const growth = await chat.recordGrowth();
    await chat.send('What is the weather in Paris?');
    await chat.answer(-1, 90_000);
    const answer = chat.article(-1);

    // While it thought, the page showed the reasoning (open, "Thinking…") before any of the answer.
    const seen = await growth();
    const thinkingShown = seen.filter((t) => t.includes('Thinking…') && !t.includes(THOUGHT_ANSWER));
    expect(thinkingShown.some((t) => t.includes(THINKING.split(' ').slice(0, 3).join(' ')))).toBe(true);

    // Now the answer stands apart and the thinking is folded: its summary shows, its text does not.
    const thought = answer.locator('details').getByText(/^Thought for /);
    await thought.waitFor();
    expect(await answer.getByText(THINKING).isVisible()).toBe(false);
    expect(await chat.answerText(-1)).toMatch(folded);
    await chat.screenshot('thinking-folded-desktop');
    await thought.click();
    await answer.getByText(THINKING).waitFor();
    await chat.screenshot('thinking-open-desktop');

    // Kept with the message: the database has the reasoning apart from the content.
    const { messages } = await stored();
    const last = messages.at(-1)!;
    expect({ content: last.content, thinking: last.thinking?.trim(), toolCalls: last.toolCalls }).toEqual({
      content: THOUGHT_ANSWER,
      thinking: THINKING,
      toolCalls: null,
    });
    expect(last.stats?.thinkingMs).toBeGreaterThanOrEqual(0);

    // A reload shows it again, folded, with the answer apart.
    await page.reload();
    const again = chat.article(-1);
    await again
      .locator('details')
      .getByText(/^Thought for /)
      .waitFor();
    expect(await again.getByText(THINKING).isVisible()).toBe(false);
    expect(await chat.answerText(-1)).toMatch(folded);
    await again
      .locator('details')
      .getByText(/^Thought for /)
      .click();
    await again.getByText(THINKING).waitFor();
    await chat.screenshot('thinking-reloaded-desktop');
  }, 180_000);

  it('has a Think switch, kept by the conversation: off, the model answers without thinking', async () => {
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Conversation settings' });
    const think = dialog.getByRole('switch', { name: /Think before answering/ });
    // On by default for a model that thinks (/api/show lists `thinking`): it thinks unless told not to.
    expect(await think.isChecked()).toBe(true);
    // Its thinking is on or off: no level to choose (that is gpt-oss's, below).
    expect(await dialog.getByRole('combobox', { name: 'How hard to think' }).count()).toBe(0);
    await think.uncheck();
    await chat.screenshot('think-switch-off-desktop');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    // The dialog closes at once and the page saves the setting after: wait for the save.
    await expect.poll(async () => (await stored()).conversation.options.think).toBe(false);

    await chat.send('And tomorrow?');
    await chat.answer(-1, 60_000);
    // think: false reaches the llm-manager: the model's text comes back as it is, with no reasoning apart.
    const last = (await stored()).messages.at(-1)!;
    expect({ content: last.content, thinking: last.thinking }).toEqual({
      content: `<think> ${THINKING} </think> ${THOUGHT_ANSWER}`,
      thinking: null,
    });
    expect(
      await chat
        .article(-1)
        .getByText(/^Thought for /)
        .count(),
    ).toBe(0);

    // Kept by the conversation: after a reload the switch is still off.
    await page.reload();
    await chat.article(-1).waitFor();
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    expect(await dialog.getByRole('switch', { name: /Think before answering/ }).isChecked()).toBe(false);
  }, 120_000);

  it('offers a level for a model whose thinking takes one, keeps it, and sends it', async () => {
    const question = 'How hard should I think about this?';
    // What the llm-manager counts in the prompt for each level (the template writes "Reasoning: <level>"): all
    // different, so the count the chatbot's answer reports says which level reached the llm-manager.
    const promptTokens: Record<string, number> = {};
    for (const level of ['low', 'medium', 'high'] as const) {
      const r = await ollamaClient(up.managerUrl).chat({
        model: 'gpt-oss-thinker',
        messages: [{ role: 'user', content: question }],
        think: level,
        options: { num_predict: 1 },
      });
      promptTokens[level] = r.prompt_eval_count;
    }
    expect(new Set(Object.values(promptTokens)).size).toBe(3);

    const dialog = page.getByRole('dialog', { name: 'Conversation settings' });
    // The test before leaves the settings of its conversation open.
    if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Cancel' }).click();
    await chat.newChat();
    await chat.modelPicker.selectOption('gpt-oss-thinker:latest');
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    const think = dialog.getByRole('switch', { name: /Think before answering/ });
    const level = dialog.getByRole('combobox', { name: 'How hard to think' });
    expect(await think.isChecked()).toBe(true);
    // gpt-oss's own default effort until one is chosen; with thinking off there is no level to choose.
    expect(await level.inputValue()).toBe('medium');
    await think.uncheck();
    expect(await level.isDisabled()).toBe(true);
    await think.check();
    await level.selectOption('low');
    await chat.screenshot('think-level-low-desktop');
    await dialog.getByRole('button', { name: 'Save settings' }).click();

    await chat.send(question);
    await chat.answer(-1, 90_000);
    const { conversation, messages } = await stored();
    expect(conversation.options.think).toBe('low');
    const last = messages.at(-1)!;
    expect({ content: last.content, thinking: last.thinking?.trim() }).toEqual({
      content: THOUGHT_ANSWER,
      thinking: THINKING,
    });
    expect(last.stats?.promptEvalCount).toBe(promptTokens.low);

    // Kept by the conversation: after a reload the level is still low.
    await page.reload();
    await chat.article(-1).waitFor();
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    expect(await level.inputValue()).toBe('low');
    await chat.screenshot('think-level-reloaded-desktop');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  }, 180_000);
});
