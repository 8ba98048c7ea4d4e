/**
 * The console scores a big file through a job, in the real Chromium against a real server: a
 * 200,000-record CSV (over 40 MB, the dataset's rows repeated) goes up with upload progress, is scored
 * with progress from the job, survives a reload mid-scoring (the job's id is in the address), and ends
 * with its results shown, paged from the service, and downloadable whole. The page's JavaScript heap
 * after those results is compared with the heap after the dataset's 282 records.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCsvRows } from '../../src/ml/data/dataset.js';
import { DATASET_PATH } from '../../src/paths.js';
import { axeViolations, jsHeapAfterGc, openPage, type ConsoleRig, startConsole } from '../helpers/browser.js';
import type { Server } from '../helpers/process.js';

const RECORDS = 200_000;
let service: Server;
let browser: Browser;
let rig: ConsoleRig;
let dir: string;
let bigFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tts-console-jobs-'));
  const [header, ...rows] = readFileSync(DATASET_PATH, 'utf8').trimEnd().split('\n');
  bigFile = join(dir, 'day.csv');
  writeFileSync(bigFile, `${[header, ...Array.from({ length: RECORDS }, (_, i) => rows[i % rows.length])].join('\n')}\n`);
  rig = await startConsole({ JOBS_DIR: join(dir, 'jobs') });
  ({ service, browser } = rig);
}, 180_000);

afterAll(async () => {
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The page's globals, as the callbacks given to page.evaluate see them (this file is compiled without the DOM lib).
type Observed = { statuses: string[]; progress: number[] };
type PageGlobals = {
  document: { querySelector(s: string): { textContent: string; value: number; hasAttribute(a: string): boolean } };
  MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void };
  __observed: Observed;
};

/** Records every text of the status line and every value of the progress bar, as the user would see them. */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const status = g.document.querySelector('#status');
    const bar = g.document.querySelector('#progress');
    g.__observed = { statuses: [], progress: [] };
    new g.MutationObserver(() => g.__observed.statuses.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
    new g.MutationObserver(() => bar.hasAttribute('value') && g.__observed.progress.push(Number(bar.value))).observe(bar, { attributes: true });
  });
}

const jobOf = (page: Page): string | null => new URL(page.url()).searchParams.get('job');

it('scores a 200,000-record file through a job: upload and scoring progress, a reload mid-way, paged results, the whole download, a bounded heap, cancel', async () => {
  // the dataset's 282 records first: the heap to compare with, and a second tab finding the same job
  const small = await openPage(browser, `${service.url}/`, 1366, 900);
  await small.page.setInputFiles('#file', DATASET_PATH);
  await small.page.locator('#status', { hasText: '282 results' }).waitFor({ timeout: 60_000 });
  const smallJob = jobOf(small.page);
  expect(smallJob).toMatch(/^[\w-]{16,}$/);
  const heapSmall = await jsHeapAfterGc(small.page);
  const tab = await openPage(browser, small.page.url(), 1366, 900);
  await tab.page.locator('#status', { hasText: '282 results' }).waitFor({ timeout: 60_000 });
  expect(await tab.page.locator('#count').textContent()).toBe('282 of 282 sessions');
  await tab.page.close();
  await small.page.close();

  const size = statSync(bigFile).size;
  expect(size).toBeGreaterThan(40e6);
  const { page, errors, requests } = await openPage(browser, `${service.url}/`, 1366, 900);
  await watchProgress(page);
  const t0 = performance.now();
  await page.setInputFiles('#file', bigFile);
  await page.locator('#status', { hasText: /^Scoring day\.csv: [\d,]+ records read/ }).waitFor({ timeout: 300_000 });
  const scoringAt = performance.now() - t0;
  const before = (await page.evaluate(() => (globalThis as unknown as PageGlobals).__observed)) as Observed;
  const uploads = before.statuses.filter((s) => s.startsWith('Uploading day.csv (CSV): '));
  expect(uploads.length).toBeGreaterThan(0); // upload progress shown
  expect(before.progress.some((v) => v > 0 && v < 1)).toBe(true);
  const job = jobOf(page);
  expect(job).toMatch(/^[\w-]{16,}$/);
  expect(job).not.toBe(smallJob);

  // the view while a job runs (progress bar, Cancel) passes the accessibility audit too
  expect((await axeViolations(page)).map((v) => `${v.id}: ${v.nodes.map((x) => x.target.join(' ')).join(', ')}`)).toEqual([]);

  // a reload while the job runs follows the same job
  const state = ((await (await fetch(`${service.url}/jobs/${job}`)).json()) as { state: string }).state;
  expect(state).toMatch(/^(queued|running)$/);
  await page.reload({ waitUntil: 'load' });
  expect(jobOf(page)).toBe(job);
  await watchProgress(page);
  await page.locator('#status', { hasText: `${RECORDS.toLocaleString('en-US')} results` }).waitFor({ timeout: 600_000 });
  const resultsAt = performance.now() - t0;
  const after = (await page.evaluate(() => (globalThis as unknown as PageGlobals).__observed)) as Observed;
  const scoring = [...before.statuses, ...after.statuses].filter((s) => /^Scoring day\.csv: [\d,]+ records read/.test(s));
  console.log(
    `console: ${RECORDS} records (${(size / 1e6).toFixed(1)} MB): scoring shown ${(scoringAt / 1000).toFixed(1)} s after the drop, results ${(resultsAt / 1000).toFixed(1)} s; ` +
      `${uploads.length} upload and ${scoring.length} scoring progress lines, e.g. "${uploads.at(-1)}", "${scoring.at(-1)}"`,
  );
  expect(scoring.length).toBeGreaterThan(0);
  expect(after.statuses.some((s) => /^Scoring day\.csv: [\d,]+ records read/.test(s))).toBe(true); // the reloaded page followed the scoring
  expect(await page.locator('#count').textContent()).toBe('200,000 of 200,000 sessions');
  expect(await page.locator('#page').textContent()).toBe('page 1 of 2,000');
  expect(await page.locator('#table tbody tr').count()).toBe(100);
  expect(await page.locator('#totals .card b').first().textContent()).toBe('200,000');
  // the next page is read from the service: records 101 to 200
  await page.click('#next');
  await page.locator('#page', { hasText: 'page 2 of' }).waitFor();
  expect(await page.locator('#table tbody tr td').first().textContent()).toBe('101');

  const heapBig = await jsHeapAfterGc(page);
  console.log(`console: JS heap after GC: ${(heapSmall / 1e6).toFixed(1)} MB after 282 records, ${(heapBig / 1e6).toFixed(1)} MB after ${RECORDS} (${(heapBig / heapSmall).toFixed(2)}x)`);
  expect(heapBig).toBeLessThan(2 * heapSmall);

  // the download: every record, the input columns then the verdict's, in input order
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#download')]);
  const rows = await readCsvRows(readFileSync(await download.path(), 'utf8'));
  expect(rows).toHaveLength(RECORDS);
  expect(rows[0].raw.verdict).toMatch(/^(normal|suspicious)$/);
  expect(rows[RECORDS - 1].raw.src_ip).toBeTruthy();

  // Cancel while scoring: the job is canceled at the service (DELETE /jobs/{id})
  await page.setInputFiles('#file', bigFile);
  await page.locator('#status', { hasText: /^Scoring day\.csv: / }).waitFor({ timeout: 300_000 });
  const canceled = jobOf(page);
  expect(canceled).not.toBe(job);
  await page.click('#cancel');
  await page.locator('#status', { hasText: 'day.csv was not scored: you canceled it.' }).waitFor();
  const stateOf = async () => ((await (await fetch(`${service.url}/jobs/${canceled}`)).json()) as { state: string }).state;
  await expect.poll(stateOf, { timeout: 30_000 }).toBe('canceled'); // GET /jobs/{id} says canceled until JOBS_TTL
  expect(jobOf(page)).toBeNull();
  expect(await page.locator('#cancel').isHidden()).toBe(true);

  expect(errors).toEqual([]);
  expect(requests.filter((u) => !u.startsWith(service.url) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
  await page.close();
}, 900_000);
