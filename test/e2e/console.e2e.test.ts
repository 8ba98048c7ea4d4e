/**
 * The analyst console in the real Chromium (Debian's, driven by playwright-core), against a real
 * server: upload the dataset, see the results, charts, recommendations and filters, download the
 * results, read the model view, on a desktop and on a 390 px phone, with no console error and no
 * request leaving the service's origin. Screenshots go to artifacts/e2e (CI keeps them).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCsvRows } from '../../src/ml/data/dataset.js';
import { DATASET_PATH } from '../../src/paths.js';
import { type OpenPage, openPage, type ConsoleRig, startConsole } from '../helpers/browser.js';
import { ROOT, type Server } from '../helpers/process.js';

// The page's globals, as the callbacks given to page.evaluate see them (this file is compiled without the DOM lib).
type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
type PageGlobals = {
  document: { getElementById(id: string): unknown; documentElement: { scrollWidth: number } };
  innerWidth: number;
  Chart: { getChart(id: string): { data: { labels: string[] } } };
};

const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(ROOT, 'artifacts', 'e2e');
let service: Server;
let browser: Browser;
let rig: ConsoleRig;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  rig = await startConsole();
  ({ service, browser } = rig);
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

/** A page of the console that records console errors and every request it makes. */
const open = (width: number, height: number): Promise<OpenPage> => openPage(browser, `${service.url}/`, width, height);

const overflowsSideways = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth > (globalThis as unknown as PageGlobals).innerWidth);

it('scores the uploaded dataset: results, charts, recommendations, filters and a download matching /batch', async () => {
  const { page, errors, requests, loadMs } = await open(1366, 900);
  const t0 = performance.now();
  await page.setInputFiles('#file', DATASET_PATH);
  await page.locator('#status', { hasText: '282 results' }).waitFor({ timeout: 30_000 });
  const resultsMs = performance.now() - t0;
  console.log(`console: page loaded in ${loadMs.toFixed(0)} ms; 282 results shown ${resultsMs.toFixed(0)} ms after the upload`);

  expect(await page.locator('#count').textContent()).toBe('282 of 282 sessions');
  expect(await page.locator('#table tbody tr').count()).toBe(100); // first page
  const first = await page.locator('#recommendations li').first().textContent();
  expect(first).toMatch(/^block 155\.91\.45\.242: /);
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).Chart.getChart('chart-sources').data.labels[0])).toBe('155.91.45.242');
  const drawn = await page.evaluate(() =>
    ['chart-volume', 'chart-country', 'chart-hour', 'chart-sources', 'chart-scores'].filter((id) => {
      const c = (globalThis as unknown as PageGlobals).document.getElementById(id) as Canvas;
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
      return false;
    }),
  );
  expect(drawn.length).toBeGreaterThanOrEqual(3);
  await page.screenshot({ path: join(ARTIFACTS, 'console-results.png'), fullPage: true });
  await page.screenshot({ path: join(ARTIFACTS, 'console-overview.png') }); // the README's picture (docs/console.png)

  // a filter narrows the table
  // the shipped models are unlabelled, which never answer critical (docs/models.md): filter on high
  // a filter is a pass over the job's results at the service: the table is aria-busy meanwhile
  const filtered = () => page.locator('#table[aria-busy="false"]').waitFor();
  await page.selectOption('#filters select[name=risk]', 'high');
  await filtered();
  const narrowed = await page.locator('#count').textContent();
  const shown = Number(narrowed!.split(' ')[0]);
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(282);
  expect(await page.locator('#table tbody .badge.high').count()).toBe(shown);
  await page.fill('#filters input[name=ip]', '155.91.45.242');
  await filtered();
  expect(Number((await page.locator('#count').textContent())!.split(' ')[0])).toBeLessThanOrEqual(shown);
  await page.selectOption('#filters select[name=risk]', '');
  await page.fill('#filters input[name=ip]', '');
  await filtered();
  expect(await page.locator('#count').textContent()).toBe('282 of 282 sessions');

  // the download: the input columns and the verdict columns, in input order, as /batch answers
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const rows = await readCsvRows(readFileSync(await download.path(), 'utf8'));
  expect(rows).toHaveLength(282);
  const batch = (await (await fetch(`${service.url}/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync(DATASET_PATH) })).json()) as {
    results: { verdict: string; risk_level: string; anomaly_score: number; src_ip: string; reasons: string[] }[];
  };
  rows.forEach(({ raw }, i) => {
    expect(raw.src_ip).toBe(batch.results[i].src_ip);
    expect(raw.verdict).toBe(batch.results[i].verdict);
    expect(raw.risk_level).toBe(batch.results[i].risk_level);
    expect(Number(raw.anomaly_score)).toBe(batch.results[i].anomaly_score);
    expect(raw.reasons ?? '').toBe(batch.results[i].reasons.join('; '));
  });

  expect(errors).toEqual([]);
  expect(requests.filter((u) => !u.startsWith(service.url) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
  await page.close();
});

it('shows the model: metrics, confusion matrix, importances, rules and kept versions', async () => {
  const { page, errors, requests } = await open(1366, 900);
  await page.click('nav a[href="#model"]');
  await page.locator('#confusion').waitFor({ timeout: 30_000 });
  expect(await page.locator('#confusion td').count()).toBe(4);
  expect(await page.locator('#rules tr').count()).toBeGreaterThan(1);
  expect(await page.locator('#model-info').textContent()).toMatch(/anomaly threshold/);
  const importances = await page.evaluate(() => (globalThis as unknown as PageGlobals).Chart.getChart('chart-importances').data.labels.length);
  expect(importances).toBe(11);
  await page.screenshot({ path: join(ARTIFACTS, 'console-model.png'), fullPage: true });
  // one record, prefilled with a dataset row
  await page.click('nav a[href="#record"]');
  await page.click('#record-form button[type=submit]');
  await page.locator('#record-result li').first().waitFor();
  expect(await page.locator('#record-result .badge').first().textContent()).toMatch(/^(normal|suspicious)$/);
  expect(errors).toEqual([]);
  expect(requests.every((u) => u.startsWith(service.url) || u.startsWith('data:'))).toBe(true);
  await page.close();
});

it('reads on a 390 px phone without sideways scrolling, and shows a bad record of a 12 MB file in words', async () => {
  const { page, errors } = await open(390, 844);
  await page.setInputFiles('#file', DATASET_PATH);
  await page.locator('#status', { hasText: '282 results' }).waitFor({ timeout: 30_000 });
  expect(await overflowsSideways(page)).toBe(false);
  await page.screenshot({ path: join(ARTIFACTS, 'console-phone.png'), fullPage: false });
  await page.click('nav a[href="#model"]');
  await page.locator('#confusion').waitFor({ timeout: 30_000 });
  expect(await overflowsSideways(page)).toBe(false);
  // A bad file of 12 MB: uploaded whole as a job, which fails at the bad line; the service's message,
  // with the file's name, its format and the line, in words.
  await page.click('nav a[href="#score"]');
  const text = `${readFileSync(DATASET_PATH, 'utf8').trimEnd()}\n`;
  const bad = text.replace(/\n5602,/, '\nlots,') + text.slice(text.indexOf('\n') + 1).repeat(199);
  const badDir = mkdtempSync(join(tmpdir(), 'tts-console-')); // a path, not a buffer: 12 MB through the DevTools protocol is slow
  writeFileSync(join(badDir, 'bad.csv'), bad);
  await page.setInputFiles('#file', join(badDir, 'bad.csv'));
  await page.locator('#error').waitFor({ state: 'visible', timeout: 60_000 });
  expect(await page.locator('#error').textContent()).toBe('bad.csv (CSV), line 2: bytes_in must be an integer, got "lots"');
  // The dataset's results, still on screen from before, are not shown as this file's.
  expect(await page.locator('#results').isHidden()).toBe(true);
  expect(await page.locator('#status').textContent()).toBe('bad.csv was not scored: fix the file and drop it again.');
  await page.screenshot({ path: join(ARTIFACTS, 'console-phone-error.png'), fullPage: false });
  rmSync(badDir, { recursive: true, force: true }); // the browser reads a chosen file when it sends it: not before
  // Results cut short (the header and one record, then the end, as when the service dies mid-answer)
  // are not shown as a scored file either.
  await page.route('**/jobs/*/results', async (route) => {
    const real = await route.fetch();
    route.fulfill({ response: real, body: (await real.text()).split('\n').slice(0, 2).join('\n') });
  });
  await page.setInputFiles('#file', DATASET_PATH);
  await page.locator('#status', { hasText: 'CloudWatch_Traffic_Web_Attack.csv was not scored' }).waitFor({ timeout: 60_000 });
  expect(await page.locator('#status').textContent()).toBe('CloudWatch_Traffic_Web_Attack.csv was not scored: the answer was cut short. Reload the page to read it again.');
  expect(await page.locator('#error').textContent()).toBe('the results ended after 1 of 282 records: the service stopped sending them');
  expect(await page.locator('#results').isHidden()).toBe(true);
  await page.unroute('**/jobs/*/results');
  expect(errors).toEqual([]);
  await page.close();
});

it('is sent with a Content-Security-Policy that allows its own origin only', async () => {
  const res = await fetch(`${service.url}/`);
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy')!;
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
});
