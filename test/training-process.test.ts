/**
 * Training across real processes: killed with SIGKILL while training and while
 * writing the new version, the service restarts on a complete version; two
 * replicas sharing MODEL_DIR converge on the version one of them trained, and
 * train one at a time (a lock in MODEL_DIR).
 */
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_DIR, TrainingLock } from '../src/ml/bundle/lock.js';
import { loadCurrent, listVersions } from '../src/ml/bundle/store.js';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';
import { ADMIN_TOKEN, modelDirCopy } from './helpers/app.js';
import { startServer, type Server } from './helpers/process.js';
import { syntheticRecords, toCsv } from './fixtures/synthetic.js';

let dir: string;
let cleanup: () => Promise<void>;
const servers: Server[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await modelDirCopy());
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
  await cleanup();
});

async function start(env: Record<string, string> = {}): Promise<Server> {
  const s = await startServer({ MODEL_DIR: dir, ADMIN_TOKEN, LOG_LEVEL: 'info', ...env });
  servers.push(s);
  return s;
}

function train(server: Server, csv: string, query = ''): Promise<Response> {
  // promote=always: these tests are about the process and the lock, not about whether the new models are better
  return fetch(`${server.url}/train${query}${query ? '&' : '?'}promote=always`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' }, body: csv });
}

async function served(server: Server): Promise<string> {
  const res = await fetch(`${server.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { model_version: string }).model_version;
}

async function kill(server: Server): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

describe('killed with SIGKILL', () => {
  it('during training: restarts on the version it had', async () => {
    const original = (await loadCurrent(dir)).version;
    const server = await start();
    const pending = train(server, toCsv(syntheticRecords(40_000, 11))).catch(() => null);
    await new Promise((r) => setTimeout(r, 600)); // the worker is busy growing forests
    await kill(server);
    await pending;
    expect((await loadCurrent(dir)).version).toBe(original);
    const restarted = await start();
    expect(await served(restarted)).toBe(original);
  });

  it('while writing the new version: restarts on a complete version, never a mix', { timeout: 600_000 }, async () => {
    const original = (await loadCurrent(dir)).version;
    const versionsDir = join(dir, 'versions');
    let caught = false;
    // The write window is short: a watch on the versions directory kills the server the moment the
    // temp directory appears (no polling, which would take CPU from the training on a small machine).
    for (let attempt = 0; attempt < 5 && !caught; attempt++) {
      const server = await start();
      const watcher = watch(versionsDir, (_event, name) => {
        if (caught || !String(name ?? '').startsWith('.tmp-')) return;
        caught = true;
        server.child.kill('SIGKILL');
      });
      try {
        await train(server, toCsv(syntheticRecords(20_000, 12 + attempt)), '?trees=300').catch(() => null);
      } finally {
        watcher.close();
      }
      await kill(server);
    }
    expect(caught).toBe(true);
    // CURRENT names a complete version that loads (checksums and all) and the server serves it.
    const current = readFileSync(join(dir, 'CURRENT'), 'utf8').split('\n')[0];
    const bundle = await loadCurrent(dir);
    expect(bundle.version).toBe(current);
    expect((await listVersions(dir)).every((v) => existsSync(join(versionsDir, v, 'manifest.json')))).toBe(true);
    const restarted = await start();
    expect(await served(restarted)).toBe(current);
    expect([original, ...(await listVersions(dir))]).toContain(current);
  }); // timeout 600 s: up to five 300-tree trainings, each compared with the served models before the write
});

describe('replicas sharing MODEL_DIR', () => {
  it('converge on the version one of them trained, within a few seconds', async () => {
    const a = await start({ RELOAD_INTERVAL_MS: '250' });
    const b = await start({ RELOAD_INTERVAL_MS: '250' });
    const before = await served(b);
    const res = await train(a, toCsv(syntheticRecords(500, 13)));
    expect(res.status).toBe(200);
    const trained = ((await res.json()) as { model_version: string }).model_version;
    expect(trained).not.toBe(before);
    expect(await served(a)).toBe(trained);
    const deadline = Date.now() + 5000;
    while ((await served(b)) !== trained && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await served(b)).toBe(trained);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain(`model_info{version="${trained}"} 1`);
  });

  it('train one at a time: two trainings at once on one MODEL_DIR give one 200 and one 409', async () => {
    const a = await start({ RELOAD_INTERVAL_MS: '0' });
    const b = await start({ RELOAD_INTERVAL_MS: '0' });
    const csv = toCsv(syntheticRecords(20_000, 14));
    const results = await Promise.all([train(a, csv), train(b, csv)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const refused = await results.find((r) => r.status === 409)!.json();
    expect(refused).toMatchObject({ code: 'TRAINING_IN_PROGRESS', message: expect.stringMatching(/MODEL_DIR is locked by a train on/) });
    await TrainingLock.check(dir); // released: free for the next one
  });

  it('take over the lock a killed trainer left behind', async () => {
    const a = await start();
    const pending = train(a, toCsv(syntheticRecords(30_000, 15))).catch(() => null);
    const deadline = Date.now() + 10_000;
    const held = async () =>
      TrainingLock.check(dir).then(
        () => false,
        () => true,
      );
    while (!(await held()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const claim = readdirSync(join(dir, LOCK_DIR)).sort().at(-1)!;
    await kill(a);
    await pending;
    expect(readdirSync(join(dir, LOCK_DIR)).sort().at(-1)).toBe(claim); // left behind, its owner gone (and so free at once)
    const b = await start();
    const res = await train(b, toCsv(syntheticRecords(500, 16)));
    expect(res.status).toBe(200);
  });
});
