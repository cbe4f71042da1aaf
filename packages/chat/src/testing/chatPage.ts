// The chat page as browser tests drive it: by role and label only (the names the issue fixes: textbox "Message",
// buttons "Send", "Stop", "New chat", the "Model" picker, the "Conversation" log of articles), plus screenshots of
// the main views for people to look at.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Gitignored: screenshots are for looking at, not for committing. */
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-output/screenshots/', import.meta.url));

export class ChatPage {
  constructor(readonly page: Page) {}

  get log() {
    return this.page.getByRole('log', { name: 'Conversation' });
  }

  get articles() {
    return this.log.getByRole('article');
  }

  /** The i-th message; negative counts from the end (-1 is the last). */
  article(i: number) {
    return this.articles.nth(i);
  }

  get messageBox() {
    return this.page.getByRole('textbox', { name: 'Message' });
  }

  get modelPicker() {
    return this.page.getByRole('combobox', { name: 'Model' });
  }

  async send(text: string): Promise<void> {
    await this.messageBox.fill(text);
    await this.page.getByRole('button', { name: 'Send' }).click();
  }

  async newChat(): Promise<void> {
    await this.page.getByRole('button', { name: 'New chat' }).click();
    await this.page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
  }

  /** Waits until no answer is being written (Send is back in place of Stop). */
  async idle(timeout = 30_000): Promise<void> {
    await this.page.getByRole('button', { name: 'Send' }).waitFor({ timeout });
  }

  /** Waits until the answer in article `i` is complete (its Regenerate button shows), and returns its text. */
  async answer(i = -1, timeout = 30_000): Promise<string> {
    await this.article(i).getByRole('button', { name: 'Regenerate' }).waitFor({ timeout });
    return this.answerText(i);
  }

  /**
   * The text of an answer as the page shows it, without what surrounds it: the model's name above, and below the
   * statistics and buttons (Copy, Regenerate) or the Stopped marker.
   */
  async answerText(i = -1): Promise<string> {
    // biome-ignore lint/performance/useDomNodeTextContent: innerText keeps the line breaks the reader sees
    const lines = (await this.article(i).innerText()).split('\n').slice(1);
    const around = /^(|Stopped.*|Copy|Copied|Regenerate|.*tokens\/s.*|.*to first token.*)$/;
    while (lines.length && around.test(lines.at(-1)!)) lines.pop();
    // Before its first token an answer shows what it waits for: that is not its text.
    const waiting = /^(Asking|Loading|Waiting for|Downloading) .*…/;
    return lines
      .filter((l) => !waiting.test(l))
      .join('\n')
      .trim();
  }

  /**
   * Records the text of the last message each time the page changes it, from now on: how an answer grew, one
   * render at a time. Returns a function that reads the record.
   */
  async recordGrowth(): Promise<() => Promise<string[]>> {
    // The page shows the conversation once it knows who is using it (GET /api/session): wait for the log.
    await this.log.waitFor();
    await this.page.evaluate(`(() => {
      const seen = [];
      window.__growth = seen;
      const log = document.querySelector('[role=log]');
      new MutationObserver(() => {
        const all = log.querySelectorAll('article');
        const text = all.length ? all[all.length - 1].innerText : '';
        if (seen[seen.length - 1] !== text) seen.push(text);
      }).observe(log, { subtree: true, childList: true, characterData: true });
    })()`);
    return async () => (await this.page.evaluate('window.__growth')) as string[];
  }

  async screenshot(name: string): Promise<void> {
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    // Let transitions (the phone drawer) finish before the picture.
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  }
}

/** How many of `pieces` (an answer's tokens, in order) `text` holds from the start: 0 to pieces.length. */
export function piecesShown(text: string, pieces: readonly string[]): number {
  let n = 0;
  while (n < pieces.length && text.includes(pieces.slice(0, n + 1).join(''))) n++;
  return n;
}
