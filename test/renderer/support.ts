/**
 * Runs the renderer pages in Debian's headless Chromium: the pages are bundled into a temp folder
 * (so a concurrent `node build/bundle.ts` cannot hand us a half-written dist/), opened from
 * file://, every other request aborted, and `window.trayCred` stubbed in the page. Each page
 * records console output, page errors, CSP violations and blocked requests for the test to check.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { bundleRenderer } from '../../build/bundle-renderer.ts';
import type { StubCall, StubOptions } from '../fakes/stub-tray-cred-api.ts';
import { installStubTrayCred } from '../fakes/stub-tray-cred-api.ts';

const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts/renderer');

/** One browser and one bundle per test file. */
export interface RendererHarness {
  browser: Browser;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<RendererHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tray-cred-renderer-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const [browser] = await Promise.all([
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    }),
    bundleRenderer(dir),
  ]);
  return {
    browser,
    dir,
    close: async () => {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A page with what it said and did that no page of ours should: all must stay empty. */
export interface OpenedPage {
  page: Page;
  console: string[];
  errors: string[];
  blocked: string[];
  violations(): Promise<string[]>;
  calls(method?: string): Promise<StubCall[]>;
  close(): Promise<void>;
}

export async function openPage(
  harness: RendererHarness,
  name: 'history' | 'profiles' | 'approval' | 'control',
  stub: StubOptions,
  context: BrowserContextOptions = {},
  options: { fakeClock?: boolean; pausedClock?: boolean } = {},
): Promise<OpenedPage> {
  const ctx = await harness.browser.newContext({
    viewport: { width: 1100, height: 640 },
    timezoneId: 'Europe/Berlin',
    ...context,
  });
  const page = await ctx.newPage();
  const opened: OpenedPage = {
    page,
    console: [],
    errors: [],
    blocked: [],
    violations: () => page.evaluate(() => (globalThis as unknown as { __violations: string[] }).__violations),
    calls: async (method) => {
      const all = await page.evaluate(() => (globalThis as unknown as { __calls: StubCall[] }).__calls);
      return method ? all.filter((c) => c.method === method) : all;
    },
    close: () => ctx.close(),
  };
  page.on('console', (message) => opened.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => opened.errors.push(error.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    opened.blocked.push(url);
    return route.abort();
  });
  await page.addInitScript(installStubTrayCred, stub);
  // Playwright's clock: time still flows, and a test can jump it forward past the page's timers.
  if (options.fakeClock || options.pausedClock) await page.clock.install();
  // Paused: the page's timers run only when the test moves the clock (page.clock.runFor).
  if (options.pausedClock) await page.clock.pauseAt(new Date(Date.now() + 60_000));
  await page.goto(pathToFileURL(join(harness.dir, `${name}.html`)).href);
  return opened;
}

/** Everything a clean page run leaves behind: nothing. */
export async function problems(opened: OpenedPage): Promise<string[]> {
  return [
    ...opened.console,
    ...opened.errors,
    ...opened.blocked.map((u) => `request to ${u}`),
    ...(await opened.violations()).map((v) => `CSP: ${v}`),
  ];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Polls `probe` until `ok` holds (the page updates asynchronously); fails with the last value seen. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 40));
    last = await probe();
  }
  return last;
}
