// A real browser for tests: Debian's Chromium driven by playwright-core (pinned exactly; Debian updates Chromium on
// its own, so the version is logged with every launch). A fresh profile each time, and the flags that keep a
// headless Chromium quiet and offline.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type TestBrowser = {
  context: BrowserContext;
  /** Chromium's version, e.g. "156.0.8078.108". */
  version: string;
  close: () => Promise<void>;
};

/** Launches Chromium headless with a fresh user-data-dir; close() removes the profile. */
export async function launchBrowser(opts: { log?: (line: string) => void } = {}): Promise<TestBrowser> {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const version = context.browser()?.version() ?? (await versionFromPage(context));
  (opts.log ?? ((l) => process.stdout.write(`${l}\n`)))(`chromium ${version} (${CHROMIUM_PATH})`);
  return {
    context,
    version,
    close: async () => {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}

async function versionFromPage(context: BrowserContext): Promise<string> {
  const page = await context.newPage();
  try {
    const ua = await page.evaluate('navigator.userAgent');
    if (typeof ua !== 'string') return 'unknown';
    return /Chrome\/([\d.]+)/.exec(ua)?.[1] ?? ua;
  } finally {
    await page.close();
  }
}
