import { mkdirSync, writeFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { root, type RunningPlatform } from './platform.ts';

const artifacts = root + 'e2e/artifacts/';

/**
 * Runs one journey in a fresh browser context. On failure it keeps a full-page screenshot, the page's
 * console and the server's output in e2e/artifacts/<name>.{png,log}, then rethrows.
 */
export async function runJourney(
  browser: Browser,
  server: RunningPlatform,
  name: string,
  make: (b: Browser, url: string) => Promise<BrowserContext>,
  body: (page: Page) => Promise<void>,
): Promise<void> {
  const ctx = await make(browser, server.url);
  const page = await ctx.newPage();
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  try {
    await body(page);
  } catch (err) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true }).catch(() => undefined);
    writeFileSync(`${artifacts}${name}.log`, lines.join('\n') + '\n--- server ---\n' + server.output());
    throw err;
  } finally {
    await ctx.close();
  }
}

/** Signs in through the login page with a password and waits for the home page. */
export async function loginUi(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('identifier').fill(identifier);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home-hero').waitFor();
}
