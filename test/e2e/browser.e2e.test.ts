/**
 * A real browser (Debian's Chromium, headless, driven by playwright-core) opens the
 * Swagger UI, finds POST /score, runs "Try it out" with the example record from the
 * real dataset and sees a 200 verdict.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { COMMITTED_MODELS } from '../helpers/app.js';
import { startServer, type Server } from '../helpers/process.js';

let service: Server;
let browser: Browser;

beforeAll(async () => {
  service = await startServer({ MODEL_DIR: COMMITTED_MODELS });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // This machine has no network but loopback: without these Chromium keeps dialling out.
    // (playwright gives every launch a fresh, empty profile directory of its own.)
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  service?.child.kill('SIGTERM');
  await service?.exited;
});

it('runs "Try it out" on POST /score in Swagger UI and gets a 200 verdict', async () => {
  const page = await browser.newPage();
  await page.goto(`${service.url}/docs`);
  const operation = page.locator('#operations-scoring-scoreRecord');
  await operation.waitFor({ timeout: 30_000 });
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  // The request body is pre-filled with the example record (first row of the real dataset).
  const editor = operation.locator('textarea.body-param__text');
  expect(await editor.inputValue()).toContain('147.161.161.82');
  await operation.getByRole('button', { name: 'Execute' }).click();
  const status = operation.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 30_000 });
  expect((await status.textContent())?.trim()).toBe('200');
  const body = await operation.locator('.live-responses-table .response-col_description pre').first().textContent();
  const verdict = JSON.parse(body ?? '{}');
  expect(verdict.verdict).toMatch(/^(suspicious|normal)$/);
  expect(verdict.model_version).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  if (process.env.E2E_SCREENSHOT) await page.screenshot({ path: process.env.E2E_SCREENSHOT, fullPage: false });
});
