/**
 * The console's model view in the real Chromium, against a real server: figures measured against
 * labels the detectors made are called agreement, never bare accuracy; the train form shows the new
 * and the served models side by side and the choice made; after a labelled training the view draws
 * the ROC and precision-recall curves of each detector and of the combined decision, and the risk
 * levels against the truth. Screenshots go to artifacts/e2e.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATASET_PATH } from '../../src/paths.js';
import { syntheticRecords, toCsv } from '../fixtures/synthetic.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { type ConsoleRig, startConsole } from '../helpers/browser.js';
import { ROOT, type Server } from '../helpers/process.js';

type PageGlobals = { Chart: { getChart(id: string): { data: { datasets: { label: string; data: unknown[] }[] } } | undefined } };

const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(ROOT, 'artifacts', 'e2e');
let service: Server;
let browser: Browser;
let rig: ConsoleRig;
const scratch = mkdtempSync(join(tmpdir(), 'model-view-'));

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  rig = await startConsole();
  ({ service, browser } = rig);
}, 180_000);

afterAll(async () => {
  await rig?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function modelView(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${service.url}/#model`, { waitUntil: 'load' });
  await page.locator('#confusion').waitFor({ timeout: 30_000 });
  return { page, errors };
}

/** Every "accuracy" on the view, with the words around it: derived labels allow it only as "not accuracy". */
const unqualifiedAccuracy = (text: string): string[] => [...text.matchAll(/(.{0,12})accuracy/gi)].map((m) => m[0]).filter((s) => !/not accuracy$/i.test(s));

it('with derived labels (the committed models): agreement with the detectors, not accuracy; the silhouettes explained', async () => {
  const { page, errors } = await modelView();
  const text = (await page.locator('#model-info').textContent()) ?? '';
  expect(text).toContain('Agreement with the detectors');
  expect(text).toContain('agreement with the detectors');
  expect(unqualifiedAccuracy(text)).toEqual([]);
  expect(await page.locator('#confusion').textContent()).toContain('detectors: anomalous');
  expect(text).toMatch(/A silhouette \(from -1 to 1, higher is better\)/);
  expect(text).toMatch(/Here the IQR baseline's split \(0\.\d{3}\) is cleaner than the Isolation Forest's \(0\.\d{3}\)/);
  expect(await page.locator('#chart-roc').count()).toBe(0);
  expect(errors).toEqual([]);
  await page.close();
});

it('trains labelled data from the form: both sets of figures and the choice shown; then the ROC and PR curves and risk levels against the truth', async () => {
  const labelled = join(scratch, 'labelled.csv');
  writeFileSync(labelled, toCsv(syntheticRecords(600, 4)));
  const { page, errors } = await modelView();
  await page.fill('#admin input[name=token]', ADMIN_TOKEN);
  await page.setInputFiles('#admin input[name=data]', labelled);
  await page.selectOption('#admin select[name=promote]', 'always');
  await page.click('#admin button[type=submit]');
  await page.locator('#comparison').waitFor({ timeout: 120_000 });
  expect(await page.locator('#admin-status').textContent()).toMatch(/^Trained \S+ on 600 rows in [\d.]+ s; now served: promote=always/);
  const head = await page.locator('#comparison tr').first().textContent();
  expect(head).toBe('figurenewserved');
  const auc = await page.locator('#comparison tr', { hasText: 'ROC AUC' }).locator('td').allTextContents();
  expect(auc).toHaveLength(2);
  for (const v of auc) expect(v).toMatch(/^\d\.\d{3}$/); // the new and the served models, both measured

  await page.locator('#chart-roc').waitFor({ timeout: 30_000 });
  const curves = await page.evaluate(() =>
    ['chart-roc', 'chart-pr'].map((id) => (globalThis as unknown as PageGlobals).Chart.getChart(id)?.data.datasets.map((d) => `${d.label}:${d.data.length > 1}`) ?? []),
  );
  for (const lines of curves) {
    expect(lines).toContain('combined:true');
    expect(lines).toContain('random_forest:true');
    expect(lines).toContain('isolation_forest:true');
  }
  expect(await page.locator('#risk-levels tr').count()).toBeGreaterThan(2);
  expect(await page.locator('#model-info').textContent()).toContain('Against the provided labels');
  // what it was trained on: the CSV sent by the form, its format and time span
  expect(await page.locator('#model-info').textContent()).toMatch(/trained oncloudwatch upload, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
  await page.screenshot({ path: join(ARTIFACTS, 'console-model-labelled.png'), fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

it('after a derived-label training the view again shows no accuracy without its qualifier', async () => {
  const res = await fetch(`${service.url}/train?promote=always&trees=30`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
    body: readFileSync(DATASET_PATH),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { label_source: string }).label_source).toBe('derived');
  const { page, errors } = await modelView();
  const text = (await page.locator('#model-info').textContent()) ?? '';
  expect(text).toContain('Agreement with the detectors');
  expect(unqualifiedAccuracy(text)).toEqual([]);
  expect(await page.locator('#chart-roc').count()).toBe(0);
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);
