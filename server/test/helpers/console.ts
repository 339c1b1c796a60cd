import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { Client } from 'pg';
import { Browser, chromium, Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestIdp, TestIdp } from './auth';
import { db, makeTestEnv, Proc, requestAs, SERVER_DIR, startProcess, TestEnv, useAuth } from './stack';

/**
 * The console in a real browser (Debian's chromium through playwright-core) against the real appliance (api +
 * worker in one process, PostgreSQL, Redis) and the local OpenID provider: what each console test file sets up.
 */
export const CHROMIUM = process.env.HOTLINE_CHROMIUM ?? '/usr/bin/chromium';
export const CONSOLE_DIR = path.resolve(SERVER_DIR, '..', 'console', 'dist');
export const SHOTS = path.resolve(SERVER_DIR, '..', 'var', 'screenshots');
export const POLICY_DIR = path.resolve(SERVER_DIR, '..', 'policies', 'qa');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface ConsoleStack {
  base: string;
  idp: TestIdp;
  t: TestEnv;
  app: Proc;
  pg: Client;
  browser: Browser;
  /**
   * a page that collects every CSP violation, missing translation and page error. Its browser asks for reduced motion
   * unless told otherwise: popovers and dropdowns then open where they end up, not half-way through a zoom that a
   * click on a loaded machine can land in
   */
  watchedPage(opts?: { reducedMotion?: 'reduce' | 'no-preference' }): Promise<{ page: Page; problems: string[] }>;
  /** signs in through the provider's form and waits for the console to name the user */
  signIn(page: Page, user: string): Promise<void>;
  close(): Promise<void>;
}

export async function openConsole(
  name: string,
  redisDb: number,
  env: Record<string, string> = {},
): Promise<ConsoleStack> {
  if (!fs.existsSync(path.join(CONSOLE_DIR, 'index.html')))
    throw new Error(`${CONSOLE_DIR} is missing: npm run build builds the console`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const idp = await startTestIdp({ consoleOrigins: [base] });
  useAuth(async () => idp.recorderToken());
  const t = await makeTestEnv(
    name,
    redisDb,
    {
      HOTLINE_PORT: String(port),
      HOTLINE_CONSOLE_DIR: CONSOLE_DIR,
      HOTLINE_QA_POLICY_DIR: POLICY_DIR,
      HOTLINE_ASR_KEYPHRASES: path.resolve(POLICY_DIR, '..', 'asr', 'keyphrases.txt'),
      ...env,
    },
    idp,
  );
  const app = await startProcess('all', t);
  const pg = await db(t);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
  return {
    base,
    idp,
    t,
    app,
    pg,
    browser,
    async watchedPage(opts = {}) {
      const ctx = await browser.newContext({ locale: 'en-GB', reducedMotion: opts.reducedMotion ?? 'reduce' });
      const page = await ctx.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to|missing translation/.test(m.text()))
          problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      return { page, problems };
    },
    async signIn(page, user) {
      await page.goto(base);
      await page.getByTestId('sign-in').click();
      await page.locator('input[name="username"]').fill(user);
      await page.locator('input[name="password"]').fill(idp.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(async () => (await page.getByTestId('user').textContent()) ?? '', { timeout: 15_000 })
        .toBe(user);
    },
    async close() {
      await browser.close();
      await pg.end();
      await app.stop();
      await idp.close();
    },
  };
}

/** picks an option in the Ant Design select that is open now (closed ones stay in the page, hidden) */
/**
 * A two-message card chat posted as the recorder (the agent's greeting, then what the customer says), as the browser
 * tests that need one conversation in the list set it up: its id.
 */
export async function postCardChat(c: ConsoleStack, customerSays: string): Promise<string> {
  const chat = await requestAs(c.base, c.idp, 'recorder', 'POST', '/api/v1/conversations', {
    channel: 'chat',
    agentId: 'anna',
    teamId: 'team-cards',
    startedAt: '2026-11-22T09:00:00Z',
    messages: [
      { speaker: 'agent', at: '2026-11-22T09:00:00Z', text: 'Thank you for contacting the bank, how can I help?' },
      { speaker: 'customer', at: '2026-11-22T09:00:05Z', text: customerSays },
    ],
  });
  expect(chat.status).toBe(201);
  return chat.body.conversation.id;
}

export async function choose(page: Page, text: string) {
  await page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')
    .last()
    .locator('.ant-select-item-option-content')
    .getByText(text, { exact: true })
    .click();
}

/** axe-core on the page at rest: no serious or critical finding */
export async function noSeriousAxe(page: Page, what: string) {
  // measure the page at rest: no hover or focus colour half-way through its transition
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(400);
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      (v) =>
        `${what}: ${v.id} (${v.impact}) ${v.nodes.length}×: ${v.nodes
          .slice(0, 6)
          .map((n) => `${n.target.join(' ')} ${n.any[0]?.message ?? ''}`)
          .join(' | ')}`,
    ),
  ).toEqual([]);
}
