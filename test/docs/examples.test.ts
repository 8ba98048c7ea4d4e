/**
 * Every `sh` block of README.md and docs/*.md runs as pasted against a service started here (a
 * random port on loopback, a private copy of the committed models, an admin token), and answers
 * what the document shows. The convention is in CONTRIBUTING.md ("Examples").
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, modelDirCopy, testApp } from '../helpers/app.js';
import { ROOT, differences, documents, jsonValues, readDocument, shellBlocks } from '../helpers/markdown.js';

const run = promisify(execFile);

describe('documentation examples', () => {
  const withExamples = documents().filter((doc) => shellBlocks(readDocument(doc)).length > 0);

  it('the README shows runnable examples of /score and /batch', () => {
    const commands = shellBlocks(readDocument('README.md')).flatMap((b) => b.steps.map((s) => s.command));
    expect(commands.some((c) => c.includes('/score'))).toBe(true);
    expect(commands.some((c) => c.includes('/batch') && c.includes('data/CloudWatch_Traffic_Web_Attack.csv'))).toBe(true);
  });

  for (const doc of withExamples) {
    describe(doc, () => {
      // A fresh service per document: its examples run in order, as a reader would paste them.
      let app: FastifyInstance | undefined;
      let cleanup: (() => Promise<void>) | undefined;
      afterAll(async () => {
        await app?.close();
        await cleanup?.();
      });
      const start = async (): Promise<string> => {
        if (!app) {
          const models = await modelDirCopy();
          cleanup = models.cleanup;
          app = await testApp({ MODEL_DIR: models.dir, ADMIN_TOKEN });
          await app.listen({ host: '127.0.0.1', port: 0 });
        }
        const address = app.server.address();
        if (address === null || typeof address === 'string') throw new Error('not listening');
        return `127.0.0.1:${address.port}`;
      };

      for (const block of shellBlocks(readDocument(doc))) {
        it(`the block at line ${block.line} runs as pasted and answers as shown`, async () => {
          expect(block.trailing, 'a command after the last shown answer').toBe('');
          expect(block.steps.length).toBeGreaterThan(0);
          const host = await start();
          for (const step of block.steps) {
            const { stdout } = await run('bash', ['-eo', 'pipefail', '-c', step.command.replaceAll('localhost:3000', host)], {
              cwd: ROOT,
              env: { ...process.env, ADMIN_TOKEN, NO_PROXY: '*', no_proxy: '*' },
              maxBuffer: 64 * 1024 * 1024,
              timeout: 60_000,
            }).catch((err: Error & { stderr?: string }) => {
              // curl exits 23 when `head` or `tail` stops reading before the answer ends: not a failure.
              if ('code' in err && err.code === 23 && 'stdout' in err) return { stdout: String(err.stdout) };
              throw new Error(`${doc}:${step.line}: ${err.message}`);
            });
            const shown = jsonValues(step.expected);
            const answered = jsonValues(stdout);
            expect(answered.length, `${doc}:${step.line}: answers shown vs given`).toBe(shown.length);
            const diffs = shown.flatMap((value, i) => differences(value, answered[i], step.abridged));
            expect(diffs, `${doc}:${step.line}`).toEqual([]);
          }
        });
      }
    });
  }
});

describe('how a shown answer is compared', () => {
  const shown = { src_ip: '1.2.3.4', verdict: 'suspicious', anomaly_score: 0.6, missing_fields: [], reasons: ['a'] };
  it('accepts another score, verdict kind or wording that a retrain may bring', () => {
    expect(differences(shown, { ...shown, verdict: 'normal', anomaly_score: 0.4, reasons: ['b', 'c'] }, false)).toEqual([]);
  });
  it('refuses a missing or extra key, another kind of value, an unknown verdict, another echoed id', () => {
    const { reasons: _, ...noReasons } = shown;
    expect(differences(shown, noReasons, false)).toEqual(['$.reasons: shown, but not in the answer']);
    expect(differences(noReasons, shown, false)).toEqual(['$.reasons: in the answer, not shown']);
    expect(differences(noReasons, shown, true)).toEqual([]);
    expect(differences(shown, { ...shown, anomaly_score: '0.6' }, false)).toHaveLength(1);
    expect(differences(shown, { ...shown, verdict: 'maybe' }, false)).toHaveLength(1);
    expect(differences(shown, { ...shown, src_ip: '1.2.3.5' }, false)).toHaveLength(1);
    expect(differences(shown, { ...shown, reasons: [] }, false)).toHaveLength(1);
  });
  it('reads NDJSON and pretty-printed answers', () => {
    expect(jsonValues('{"a": [1, "}"]}\n{"b": 2}')).toEqual([{ a: [1, '}'] }, { b: 2 }]);
    expect(() => jsonValues('not json')).toThrow();
  });
});
