/**
 * The console's end-to-end tests drive Debian's Chromium (headless, through playwright-core): one launch
 * with the flags this loopback-only machine needs, pages that record their console errors and requests,
 * an accessibility audit with axe-core, and the page's JavaScript heap after a garbage collection.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_TOKEN, modelDirCopy } from './app.js';
import { ROOT, type Server, startServer } from './process.js';

/** Chromium without the background traffic it keeps attempting when there is no network but loopback. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface ConsoleRig {
  service: Server;
  browser: Browser;
  /** closes Chromium, stops the service and removes its model directory; safe after a failed start */
  stop: () => Promise<void>;
}

/**
 * The console as a user meets it: the build (the console is what it makes), the service on a copy of
 * the committed models with `env` added, and one Chromium. Whatever fails half-way is stopped before
 * the error is thrown, so a test file's afterAll only has to call stop() on what it got.
 */
export async function startConsole(env: Record<string, string> = {}): Promise<ConsoleRig> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const models = await modelDirCopy();
  let service: Server | undefined;
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close();
    service?.child.kill('SIGTERM');
    await service?.exited;
    await models.cleanup();
  };
  try {
    service = await startServer({ MODEL_DIR: models.dir, ADMIN_TOKEN, ...env });
    browser = await launchChromium();
  } catch (err) {
    await stop();
    throw err;
  }
  return { service, browser, stop };
}

export interface OpenPage {
  page: Page;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** every URL the page requested */
  requests: string[];
  loadMs: number;
}

/** A page of the console at `url`, recording console errors and every request it makes. */
export async function openPage(browser: Browser, url: string, width: number, height: number): Promise<OpenPage> {
  const page = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, loadMs: performance.now() - t0 };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The WCAG 2.1 A and AA violations axe-core finds in the page as it is now (hidden parts are not
 * audited, as a user does not see them). axe is evaluated in the page, not served by the console: the
 * page's Content-Security-Policy does not apply to code run through the DevTools protocol.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a global of the page, untyped here
    const { axe, document } = globalThis as any;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v: AxeViolation) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

/** The page's JavaScript heap in bytes, after a full garbage collection (through the DevTools protocol). */
export async function jsHeapAfterGc(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.enable');
    for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize;
  } finally {
    await cdp.detach();
  }
}
