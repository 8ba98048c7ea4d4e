/**
 * The console for every reader, in the real Chromium against a real server: an axe-core audit (WCAG 2.1
 * A and AA) of each view with its content on screen, errors that name the user's file, its format and
 * line, and the scored file's report printed to PDF.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATASET_PATH } from '../../src/paths.js';
import { type AxeViolation, axeViolations, type OpenPage, openPage, type ConsoleRig, startConsole } from '../helpers/browser.js';
import { ROOT, type Server } from '../helpers/process.js';

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

const firstRecords = (n: number): Record<string, string>[] => {
  const [header, ...rows] = readFileSync(DATASET_PATH, 'utf8').trimEnd().split('\n');
  const keys = header.split(',');
  return rows.slice(0, n).map((row) => Object.fromEntries(row.split(',').map((v, i) => [keys[i], v])));
};

/** Drops a file on the score view and waits for its error, which it returns. */
async function dropBad(page: Page, name: string, mimeType: string, body: string): Promise<string> {
  await page.setInputFiles('#file', { name, mimeType, buffer: Buffer.from(body) });
  await page.locator('#status', { hasText: `${name} was not scored` }).waitFor({ timeout: 30_000 });
  expect(await page.locator('#results').isHidden()).toBe(true);
  return (await page.locator('#error').textContent()) ?? '';
}

it("names the user's file, its format and the line or record in every error, and accepts what POST /batch and POST /jobs accept", async () => {
  const { page, errors } = await open(1366, 900);
  const records = firstRecords(5);
  // NDJSON with two objects on line 3: the line, not the parser's position in the whole file
  const lines = records.map((r) => JSON.stringify(r));
  lines[2] += JSON.stringify(records[3]);
  const ndjson = await dropBad(page, 'day.ndjson', '', `${lines.join('\n')}\n`);
  expect(ndjson).toMatch(/^day\.ndjson \(NDJSON\), line 3: /);
  // a JSON batch with a bad record: its record number, not "NDJSON line 1"
  const bad = structuredClone(records);
  bad[3].bytes_in = 'lots';
  const json = await dropBad(page, 'batch.json', 'application/json', JSON.stringify({ records: bad }));
  expect(json).toBe('batch.json (JSON), record 4 (records[3]): bytes_in must be an integer, got "lots"');
  // a bare array: refused as POST /batch refuses it, with its message
  const array = JSON.stringify(records);
  const api = (await (await fetch(`${service.url}/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: array })).json()) as { message: string };
  expect(api.message).toBe('body must be an object');
  const jobs = (await (await fetch(`${service.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: array })).json()) as { message: string };
  expect(jobs.message).toBe(api.message);
  expect(await dropBad(page, 'list.json', 'application/json', array)).toBe(`list.json (JSON): ${api.message}`);
  // not JSON at all
  expect(await dropBad(page, 'broken.json', 'application/json', '{"records": [')).toMatch(/^broken\.json \(JSON\): /);
  // the CSV's line
  const csv = readFileSync(DATASET_PATH, 'utf8').replace(/\n5602,/, '\nlots,');
  expect(await dropBad(page, 'day.csv', 'text/csv', csv)).toBe('day.csv (CSV), line 2: bytes_in must be an integer, got "lots"');
  // what the API accepts, the console accepts: a JSON batch and NDJSON
  await page.setInputFiles('#file', { name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ records })) });
  await page.locator('#status', { hasText: '5 results' }).waitFor({ timeout: 30_000 });
  expect(await page.locator('#error').isHidden()).toBe(true); // the last error went when this file was dropped
  await page.setInputFiles('#file', { name: 'good.ndjson', mimeType: '', buffer: Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`) });
  await page.locator('#status', { hasText: '5 results' }).waitFor({ timeout: 30_000 });
  expect(await page.locator('#count').textContent()).toBe('5 of 5 sessions');
  // gzip, sent with Content-Encoding: gzip as the API takes it
  await page.setInputFiles('#file', { name: 'day.csv.gz', mimeType: 'application/gzip', buffer: gzipSync(readFileSync(DATASET_PATH)) });
  await page.locator('#status', { hasText: '282 results for day.csv.gz' }).waitFor({ timeout: 60_000 });
  // Chromium logs each 400 the service answered; anything else is the page's own error
  expect(errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
  await page.close();
});

it('skips bad records when asked: the rest scored, the bad ones listed with line, field and value', async () => {
  const { page, errors } = await open(1366, 900);
  const lines = readFileSync(DATASET_PATH, 'utf8').trimEnd().split('\n');
  lines[1] = lines[1].replace(/^5602,/, 'lots,'); // line 2
  lines[4] = lines[4].replace(/^\d+,/, '-1,'); // line 5
  await page.check('#skip');
  await page.setInputFiles('#file', { name: 'two-bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
  await page.locator('#status', { hasText: '280 results (2 bad records skipped) for two-bad.csv' }).waitFor({ timeout: 60_000 });
  expect(await page.locator('#count').textContent()).toBe('280 of 280 sessions');
  const skipped = await page.locator('#skipped tbody tr').allTextContents();
  expect(skipped).toEqual(['2bytes_inlots', '5bytes_in-1']);
  expect(await page.locator('#skipped-note').textContent()).toBe('2 bad records were left out of the results: fix them and score them again.');
  await audit(page, 'score with skipped records');
  // unchecked, the same file stops at its first bad line
  await page.uncheck('#skip');
  await page.setInputFiles('#file', { name: 'two-bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
  await page.locator('#status', { hasText: 'two-bad.csv was not scored' }).waitFor({ timeout: 60_000 });
  expect(await page.locator('#error').textContent()).toBe('two-bad.csv (CSV), line 2: bytes_in must be an integer, got "lots"');
  expect(errors).toEqual([]);
  await page.close();
});

it('clears an old error when a new action starts: a failed training, then one record scored', async () => {
  const { page } = await open(1366, 900);
  await page.click('nav a[href="#model"]');
  await page.locator('#confusion').waitFor({ timeout: 30_000 });
  await page.fill('#admin input[name=token]', 'not-the-token');
  await page.setInputFiles('#admin input[name=data]', DATASET_PATH);
  await page.click('#admin button[type=submit]');
  await page.locator('#error').waitFor({ state: 'visible', timeout: 30_000 });
  expect(await page.locator('#error').textContent()).toMatch(/^401 /);
  await page.click('nav a[href="#record"]');
  expect(await page.locator('#error').isHidden()).toBe(true);
  await page.click('#record-form button[type=submit]');
  await page.locator('#record-result li').first().waitFor();
  expect(await page.locator('#error').isHidden()).toBe(true);
  await page.close();
});

it('prints the scored file as a report: title, totals, recommendations, charts and riskiest sessions, no controls', async () => {
  const { page, errors } = await open(1366, 900);
  await page.setInputFiles('#file', DATASET_PATH);
  await page.locator('#status', { hasText: '282 results' }).waitFor({ timeout: 30_000 });
  const file = join(ARTIFACTS, 'console-report.pdf');
  writeFileSync(file, await page.pdf({ format: 'A4', printBackground: true }));
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  expect(text).toMatch(/Threat report: CloudWatch_Traffic_Web_Attack\.csv, 282 sessions/);
  expect(text).toMatch(/282\s+sessions/);
  expect(text).toMatch(/block 155\.91\.45\.242: /);
  expect(text).toContain('Riskiest sessions');
  expect(text).toContain('Sessions by UTC hour');
  for (const control of ['Score a file', 'One record', 'API docs', 'Download results', 'Print report', 'Save PNG', 'Previous', 'choose a file', 'Source IP']) expect(text).not.toContain(control);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
  console.log(`console: the printed report of 282 records is ${pages} A4 pages (${file})`);
  expect(pages).toBeLessThanOrEqual(4);
  expect(errors).toEqual([]);
  await page.close();
});
