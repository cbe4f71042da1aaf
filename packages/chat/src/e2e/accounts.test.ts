// Accounts in a real Chromium against a real `ownchat up` with OWNCHAT_AUTH=local: two people in two browsers.
// The first account becomes the admin (the page says so first), the second waits for approval, the admin approves
// it on the Users screen; the second cannot open the first's conversation nor pull or delete models; wrong
// passwords and the sign-in limit are said in words; signing out everywhere reaches the other browser.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  launchBrowser,
  startOwnchatUp,
  type TestBrowser,
  type UpProcess,
} from '@ownchat/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb, webStale } from '../server/webAssets.ts';
import { ChatPage, DESKTOP, PHONE } from '../testing/chatPage.ts';
import { importTestModels, writeTestModels } from './models.ts';

let dir: string;
let up: UpProcess;
const browsers: TestBrowser[] = [];
let alice: ChatPage;
let bob: ChatPage;
let aliceConversation: string;

async function openPage(viewport: { width: number; height: number }): Promise<ChatPage> {
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(up.chatUrl);
  return new ChatPage(page);
}

const fill = async (page: Page, username: string, password: string) => {
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
};

beforeAll(async () => {
  if (webStale()) await buildWeb();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-accounts-e2e-'));
  const files = await writeTestModels(dir, ['det']);
  up = await startOwnchatUp({
    env: { OWNCHAT_DEFAULT_MODEL: 'det', OWNCHAT_AUTH: 'local', OWNCHAT_SIGNIN_ATTEMPTS: '3' },
  });
  await importTestModels(up.managerUrl, files);
  alice = await openPage(DESKTOP);
});

afterAll(async () => {
  for (const b of browsers) await b.close();
  await up?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

it('says on the first visit that the first account becomes the admin, and makes it one', async () => {
  const page = alice.page;
  await page.getByRole('heading', { name: 'Create the first account' }).waitFor();
  expect(await page.getByText('The first account becomes the admin').isVisible()).toBe(true);
  // No "Sign in" before any account exists: there is nothing to sign in to.
  expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
  await alice.screenshot('signin-first-account-desktop');
  await fill(page, 'alice', 'short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('alert').getByText('A password has at least 8 characters.').waitFor();
  await fill(page, 'alice', 'alice password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const account = page.getByRole('region', { name: 'Account' });
  await account.getByText('Signed in as alice').waitFor();
  expect(await account.getByText('admin').isVisible()).toBe(true);
  await alice.modelPicker.selectOption('det:latest');
  await alice.send('The secret recipe');
  expect(await alice.answer()).toBe(DETERMINISTIC_ANSWER);
  await expect.poll(() => page.url()).toMatch(/\/c\/\d+$/);
  aliceConversation = page.url();
  await alice.screenshot('chat-admin-desktop');
});

it('makes a later account wait for an admin, who approves it on the Users screen', async () => {
  bob = await openPage(PHONE);
  const page = bob.page;
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText('an admin approves new accounts').waitFor();
  await bob.screenshot('signin-phone');
  await fill(page, 'bob', 'bob password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page
    .getByRole('status')
    .getByText('Your account "bob" is waiting for an admin to approve it. Sign in once it is approved.')
    .waitFor();
  await fill(page, 'bob', 'bob password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('alert')
    .getByText('Your account "bob" is still waiting for an admin to approve it.')
    .waitFor();

  await alice.page.getByRole('button', { name: 'Users' }).click();
  const users = alice.page.getByRole('dialog', { name: 'Users' });
  await users.getByText('waiting for approval').waitFor();
  await alice.screenshot('users-desktop');
  await users.getByRole('button', { name: 'Approve bob' }).click();
  await users.getByRole('status').getByText('bob is approved.').waitFor();
  expect(await users.getByText('waiting for approval').count()).toBe(0);
  await users.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
});

it("keeps alice's conversation from bob, and models from being pulled or deleted by him", async () => {
  const page = bob.page;
  // The conversation list is his own, empty; the Users screen is not his.
  await page.getByRole('button', { name: 'Conversations' }).click();
  const account = page.getByRole('region', { name: 'Account' });
  await account.getByText('Signed in as bob').waitFor();
  expect(await page.getByRole('link', { name: 'The secret recipe' }).count()).toBe(0);
  expect(await page.getByRole('button', { name: 'Users' }).count()).toBe(0);
  await bob.screenshot('chat-user-phone-drawer');
  await page.getByRole('button', { name: 'Close conversations' }).click({ force: true });

  // Alice's address, typed into bob's browser: there is no such conversation, as far as he can tell.
  await page.goto(aliceConversation);
  await page
    .getByRole('alert')
    .getByText(/there is no conversation \d+/)
    .waitFor();
  expect(await bob.articles.count()).toBe(0);
  expect(await page.getByText('The secret recipe').count()).toBe(0);

  await bob.modelPicker.selectOption({ label: 'About the models…' });
  const models = page.getByRole('dialog', { name: 'Models' });
  await models.getByText('Only an admin can pull or delete models').waitFor();
  expect(await models.getByRole('textbox', { name: 'Model to pull' }).count()).toBe(0);
  expect(await models.getByRole('button', { name: /^Delete / }).count()).toBe(0);
  await models.getByRole('button', { name: 'Close' }).click();
});

it("resets bob's password on the Users screen: he is signed out, and the new one works", async () => {
  await alice.page.getByRole('button', { name: 'Users' }).click();
  const users = alice.page.getByRole('dialog', { name: 'Users' });
  await users.getByRole('button', { name: 'Make bob an admin' }).click();
  await users.getByRole('status').getByText('bob is now an admin.').waitFor();
  await users.getByRole('button', { name: 'Remove admin from bob' }).click();
  await users.getByRole('status').getByText('bob is no longer an admin.').waitFor();
  await users.getByRole('button', { name: 'Reset password of bob' }).click();
  await users.getByLabel('New password for bob').fill('a brand new password');
  await users.getByRole('button', { name: 'Set password', exact: true }).click();
  await users.getByRole('status').getByText('bob has a new password and is signed out everywhere.').waitFor();
  await users.getByRole('button', { name: 'Close' }).click();

  // bob's next request finds his session gone.
  const page = bob.page;
  await page.goto(up.chatUrl);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await fill(page, 'bob', 'bob password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
  await fill(page, 'bob', 'a brand new password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
});

it('signs out, and out everywhere: the other browser is signed out at its next request', async () => {
  // bob's browser: sign out, then alice signs in there too.
  const page = bob.page;
  await page.getByRole('button', { name: 'Conversations' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await fill(page, 'alice', 'wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
  await fill(page, 'alice', 'alice password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
  // Her own conversation is listed in this browser too (the list has loaded).
  await page.getByRole('link', { name: 'The secret recipe' }).waitFor({ state: 'attached' });

  await alice.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await alice.page
    .getByRole('dialog', { name: 'Sign out everywhere?' })
    .getByRole('button', { name: 'Sign out everywhere' })
    .click();
  await alice.page.getByRole('heading', { name: 'Sign in' }).waitFor();
  // The other browser still shows the chat; its next request finds the session gone and shows the sign-in.
  await bob.send('Anyone there?');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
});

it('says how long to wait once the sign-in limit is reached', async () => {
  const page = alice.page;
  for (let i = 0; i < 3; i++) {
    await fill(page, 'bob', `guess number ${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
  }
  // Even the right password waits now.
  await fill(page, 'bob', 'a brand new password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('alert')
    .getByText(
      'Too many failed sign-ins: try again in 15 minutes. An admin can reset your password if you forgot it.',
    )
    .waitFor();
  await alice.screenshot('signin-rate-limited-desktop');
});
