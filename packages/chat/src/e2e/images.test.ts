// Images in the chat page, in a real Chromium against a real `ownchat up` with a model that reads images (`seer`,
// a projector beside it) and one that does not (`text`): a PNG pasted into the message box (a real paste event
// carrying a file) shows as a removable thumbnail, goes with the question, reaches the model (its prompt grows by
// the image's tokens), shows in the question and again after a reload; for `text` the attach button is off and
// says why, and its answer says the earlier image was not sent.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  launchBrowser,
  ollamaClient,
  type ProjectorInfo,
  startOwnchatUp,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, DESKTOP } from '../testing/chatPage.ts';
import { GRADIENT_PNG, importVisionModels } from '../testing/visionModels.ts';

let dir: string;
let up: UpProcess;
let browser: TestBrowser;
let page: Page;
let chat: ChatPage;
let projector: ProjectorInfo;
const QUESTION = 'What is in this picture?';

const currentId = () => Number(/\/c\/(\d+)$/.exec(page.url())?.[1]);
const stored = async () =>
  (await (await fetch(`${up.chatUrl}/api/conversations/${currentId()}`)).json()) as {
    conversation: Conversation;
    messages: Message[];
  };

/**
 * Gives the message box a file as the browser does: a paste event (a screenshot pasted) or a drop event on the
 * composer, each carrying the file in a DataTransfer. `file` is JavaScript that makes the File in the page.
 */
async function give(how: 'paste' | 'drop', file: string) {
  await chat.messageBox.focus();
  // A string: this file is compiled without the DOM's types, and the code runs in the page.
  await page.evaluate(`(async () => {
    const data = new DataTransfer();
    data.items.add(await (${file}));
    const box = document.querySelector('textarea[aria-label="Message"]');
    const init = { bubbles: true, cancelable: true };
    const event = ${JSON.stringify(how)} === 'paste'
      ? new ClipboardEvent('paste', { ...init, clipboardData: data })
      : new DragEvent('drop', { ...init, dataTransfer: data });
    box.dispatchEvent(event);
  })()`);
}

/** JavaScript for a File holding `bytes`. */
const fileOf = (bytes: Buffer, name: string, type: string) =>
  `new File([Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0))], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} })`;

const pastePng = (png: Buffer, name: string) => give('paste', fileOf(png, name, 'image/png'));

/** Whether every image of the question in article `i` has loaded (decoded, with a size). */
const imagesShown = (i: number) =>
  chat
    .article(i)
    .getByRole('img')
    .evaluateAll(
      (imgs) =>
        imgs.length > 0 && imgs.every((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
    );

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-e2e-images-'));
  up = await startOwnchatUp({ env: { OWNCHAT_DEFAULT_MODEL: 'seer', OWNCHAT_IMAGE_MAX_MB: '1' } });
  projector = await importVisionModels(up.managerUrl, dir);
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

describe('images in the chat', () => {
  it('a pasted image shows as a thumbnail, can be removed, and goes with the question to the model', async () => {
    await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    const thumbnails = page.getByRole('list', { name: 'Images to send' }).getByRole('img');
    const attach = page.getByRole('button', { name: 'Attach images' });
    await attach.waitFor();
    expect(await attach.isEnabled()).toBe(true);

    // Pasted twice, the first removed: one thumbnail stays.
    await pastePng(GRADIENT_PNG, 'first.png');
    await pastePng(GRADIENT_PNG, 'gradient.png');
    await expect.poll(() => thumbnails.count()).toBe(2);
    await page.getByRole('button', { name: 'Remove image 1' }).click();
    await expect.poll(() => thumbnails.count()).toBe(1);
    expect(await thumbnails.first().getAttribute('alt')).toBe('Attached 1: gradient.png');
    await chat.messageBox.fill(QUESTION);
    await chat.screenshot('images-composer-desktop');

    await page.getByRole('button', { name: 'Send' }).click();
    await chat.answer(-1, 90_000);
    await expect.poll(() => thumbnails.count()).toBe(0);
    await expect.poll(() => imagesShown(0)).toBe(true);
    await chat.screenshot('images-answered-desktop');

    // The model was given the image: its prompt was the question's plus the projector's embeddings.
    const { messages } = await stored();
    expect(messages[0]!.images).toEqual([
      { id: expect.any(Number), type: 'image/png', bytes: GRADIENT_PNG.length },
    ]);
    const plain = await ollamaClient(up.managerUrl).chat({
      model: 'seer',
      messages: [{ role: 'user', content: QUESTION }],
    });
    expect(messages[1]!.stats?.promptEvalCount).toBe(plain.prompt_eval_count + projector.imageTokens);
    // The page shows the answer the model gives to that question with that image.
    const seen = await ollamaClient(up.managerUrl).chat({
      model: 'seer',
      messages: [{ role: 'user', content: QUESTION, images: [GRADIENT_PNG.toString('base64')] }],
    });
    expect(await chat.answerText(-1)).toBe(seen.message.content.trim());
    expect(seen.message.content).not.toBe(plain.message.content);
  }, 120_000);

  it('shows the image again after a reload', async () => {
    await page.reload();
    await chat.answer(-1);
    await expect.poll(() => imagesShown(0)).toBe(true);
  });

  it('sends a dropped WebP as PNG, and refuses other kinds and images over the limit, saying why', async () => {
    await chat.newChat();
    const thumbnails = page.getByRole('list', { name: 'Images to send' }).getByRole('img');
    // A WebP the browser itself encodes: the llm-manager's image reader cannot read WebP, so the page sends PNG.
    const webp = `new Promise((resolve) => {
      const canvas = document.createElement('canvas');
      canvas.width = 24;
      canvas.height = 16;
      const g = canvas.getContext('2d');
      g.fillStyle = '#2a9d8f';
      g.fillRect(0, 0, 24, 16);
      canvas.toBlob((blob) => resolve(new File([blob], 'teal.webp', { type: 'image/webp' })), 'image/webp');
    })`;
    await give('drop', webp);
    await expect.poll(() => thumbnails.count()).toBe(1);
    expect(await thumbnails.first().getAttribute('src')).toMatch(/^data:image\/png;base64,/);

    const alert = page.locator('.attach-problem');
    await give(
      'paste',
      fileOf(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'a.gif', 'image/gif'),
    );
    await alert.getByText('a.gif is not a PNG, JPEG or WebP image: attach PNG, JPEG or WebP').waitFor();
    await pastePng(Buffer.concat([GRADIENT_PNG, Buffer.alloc(1_200_000, 7)]), 'huge.png');
    await alert.getByText('huge.png is 1.2 MB: images may be at most 1 MB; make it smaller').waitFor();
    expect(await thumbnails.count()).toBe(1);

    await chat.messageBox.fill('What colour is this?');
    await page.getByRole('button', { name: 'Send' }).click();
    await chat.answer(-1, 90_000);
    expect((await stored()).messages[0]!.images).toEqual([
      { id: expect.any(Number), type: 'image/png', bytes: expect.any(Number) },
    ]);
    await expect.poll(() => imagesShown(0)).toBe(true);
  }, 120_000);

  it('turns the attach button off for a model that cannot read images, saying why', async () => {
    await chat.modelPicker.selectOption('text:latest');
    const off = page.getByRole('button', { name: 'Attach images (text:latest cannot read images)' });
    await off.waitFor();
    expect(await off.isDisabled()).toBe(true);
    expect(await off.getAttribute('title')).toBe('text:latest cannot read images');
    await page
      .getByText('text:latest cannot read images: the images earlier in this conversation are not sent to it')
      .waitFor();
    // A pasted image is not taken, and the page says why.
    await pastePng(GRADIENT_PNG, 'again.png');
    await page
      .getByRole('alert')
      .getByText('text:latest cannot read images: choose a model that can')
      .waitFor();
    // The next answer says the earlier image was not sent.
    await chat.send('And now?');
    await chat.answer(-1, 90_000);
    await chat
      .article(-1)
      .getByText('The image earlier in this conversation was not sent: text:latest cannot read images.')
      .waitFor();
    await chat.screenshot('images-text-model-desktop');
  }, 120_000);
});
