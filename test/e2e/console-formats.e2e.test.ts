/**
 * The console scores AWS logs, in the real Chromium against a real server: a VPC flow log (two
 * records a session) and a gzipped ALB log are dropped, their format detected from the first lines
 * by the service's own rules and sent as ?format= to POST /jobs, and their results shown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readDataset } from '../../src/ml/data/dataset.js';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { DATASET_PATH } from '../../src/paths.js';
import { asAlb, asVpcFlow } from '../fixtures/recast.js';
import { openPage, type ConsoleRig, startConsole } from '../helpers/browser.js';
import type { Server } from '../helpers/process.js';

let service: Server;
let browser: Browser;
let rig: ConsoleRig;
let dir: string;
let vpcFile: string;
let albFile: string;
let records: TrafficRecord[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tts-console-formats-'));
  records = await readDataset(DATASET_PATH);
  vpcFile = join(dir, 'flows.log');
  writeFileSync(vpcFile, asVpcFlow(records.slice(0, 60)));
  albFile = join(dir, 'alb.log.gz');
  writeFileSync(albFile, gzipSync(asAlb(records.slice(0, 25))));
  writeFileSync(join(dir, 'alb-again.log.gz'), gzipSync(asAlb(records.slice(0, 25))));
  const bad = asAlb(records.slice(0, 25)).split('\n');
  bad[3] = bad[3].replace(` ${records[3].bytesIn} `, ' lots ');
  writeFileSync(join(dir, 'alb-bad.log'), bad.join('\n'));
  rig = await startConsole({ JOBS_DIR: join(dir, 'jobs') });
  ({ service, browser } = rig);
}, 180_000);

afterAll(async () => {
  await rig?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('detects and scores a VPC flow log and a gzipped ALB log dropped on the console, sending ?format= to /jobs', async () => {
  const { page, errors, requests } = await openPage(browser, `${service.url}/`, 1280, 900);

  await page.setInputFiles('#file', vpcFile);
  await page.locator('#status', { hasText: '60 results' }).waitFor({ timeout: 60_000 });
  expect(await page.locator('#format-detected').textContent()).toBe('Detected: VPC Flow Logs');
  expect(await page.locator('#totals .card b').first().textContent()).toBe('60');
  expect(requests.some((u) => u.endsWith('/jobs?format=vpc-flow'))).toBe(true);
  // each session as stitched: the client's bytes in, the server's bytes out, a country looked up offline
  const firstRow = page.locator('#table tbody tr').first().locator('td');
  expect(await firstRow.nth(3).textContent()).toBe(records[0].bytesIn.toLocaleString('en-US'));
  expect(await firstRow.nth(4).textContent()).toBe(records[0].bytesOut.toLocaleString('en-US'));
  expect(await firstRow.nth(2).textContent()).toMatch(/^[A-Z]{2}$/);
  // the committed model never saw TCP: said once, above the totals, with the command that trains on this log
  const note = page.locator('#training-note');
  expect(await note.isVisible()).toBe(true);
  expect(await note.textContent()).toMatch(/^This traffic is not like what the model was trained on.*never seen in training.*npm run train -- --format vpc-flow --data your\.log/);
  expect(await note.locator('code').textContent()).toBe('npm run train -- --format vpc-flow --data your.log'); // the command as code, no backticks

  await page.setInputFiles('#file', albFile);
  await page.locator('#status', { hasText: '25 results' }).waitFor({ timeout: 60_000 });
  expect(await page.locator('#format-detected').textContent()).toBe('Detected: ALB access log, gzipped');
  expect(await page.locator('#totals .card b').first().textContent()).toBe('25');
  expect(requests.some((u) => u.endsWith('/jobs?format=alb'))).toBe(true);
  expect(await page.locator('#training-note').isVisible()).toBe(false); // HTTPS on 443, as trained: nothing to say

  // the picker overrides detection: the ALB log read as a VPC flow log fails, naming the file, its line and field
  await page.selectOption('#log-format', 'vpc-flow');
  await page.setInputFiles('#file', vpcFile.replace('flows.log', 'alb-again.log.gz'));
  await page
    .locator('#status', { hasText: 'alb-again.log.gz was not scored' })
    .waitFor({ timeout: 60_000 })
    .catch(async (err) => {
      throw new Error(`${err.message}\nstatus: ${await page.locator('#status').textContent()}\nerror: ${await page.locator('#error').textContent()}`);
    });
  expect(await page.locator('#error').textContent()).toMatch(/^alb-again\.log\.gz \(VPC Flow Logs\), line 1: /);
  expect(await page.locator('#format-detected').textContent()).toBe('Read as: VPC Flow Logs, gzipped');

  // Skip bad records works for a log: the rest is scored, the bad line listed with its line, field and value
  await page.selectOption('#log-format', 'auto');
  await page.check('#skip');
  await page.setInputFiles('#file', vpcFile.replace('flows.log', 'alb-bad.log'));
  await page.locator('#status', { hasText: '24 results (1 bad record skipped)' }).waitFor({ timeout: 60_000 });
  expect(requests.some((u) => u.endsWith('/jobs?format=alb&on_error=skip'))).toBe(true);
  expect(await page.locator('#skipped tbody tr').count()).toBe(1);
  expect(await page.locator('#skipped tbody tr').first().textContent()).toMatch(/^4\s*received_bytes\s*lots$/);
  expect(errors).toEqual([]);
}, 240_000);
