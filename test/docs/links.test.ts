/** Every relative link (and #anchor) in README.md and docs/*.md leads somewhere. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, anchors, documents, links, readDocument } from '../helpers/markdown.js';

describe('documentation links', () => {
  it('README.md and the docs/ documents exist, and the README stays a short read', () => {
    expect(documents()).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/operations.md', 'docs/models.md', 'docs/benchmarks.md', 'docs/design.md']));
    expect(readDocument('README.md').split('\n').length).toBeLessThan(250);
  });

  for (const doc of [...documents(), 'CONTRIBUTING.md', 'CHANGELOG.md', 'data/README.md']) {
    it(`every relative link in ${doc} resolves`, () => {
      const broken: string[] = [];
      for (const { target, line } of links(readDocument(doc))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: outside the repository
        const [file, anchor] = target.split('#');
        const path = file === '' ? join(ROOT, doc) : normalize(join(ROOT, dirname(doc), file));
        if (!path.startsWith(ROOT) || !existsSync(path)) {
          broken.push(`${doc}:${line}: ${target}: no such file`);
          continue;
        }
        if (anchor !== undefined && statSync(path).isFile() && path.endsWith('.md') && !anchors(readDocument(path.slice(ROOT.length))).has(anchor)) {
          broken.push(`${doc}:${line}: ${target}: no heading makes #${anchor}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  it('reads links and anchors as GitHub does', () => {
    const md = '# Load held: `npm run soak`\n## One `MODEL_DIR`\n## Drift\n## Drift\n```sh\n[not](a-link.md)\n```\nsee [a](docs/x.md#y) and `[b](c.md)`\n';
    expect([...anchors(md)]).toEqual(['load-held-npm-run-soak', 'one-model_dir', 'drift', 'drift-1']);
    expect(links(md)).toEqual([{ target: 'docs/x.md#y', line: 8 }]);
  });
});
