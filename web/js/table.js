// The sessions table: a scored file's results in input order, 100 a page, filtered. The rows stay at the
// service: a page is read with a Range request from the byte where it starts, and a filter is one pass
// over the results that keeps only where each page of matches starts. The page holds one page of rows
// and one offset per page, whatever the size of the file.
// Cells are set with textContent only: nothing from a file or a result is ever parsed as HTML.

import { badge, el } from './dom.js';
import { scanResults } from './jobs.js';

export const RISK_ORDER = { critical: 0, high: 1, medium: 2, low: 3 };
export const PAGE = 100;
/** Riskier first: by risk level, then anomaly score, then input order. */
export const byRisk = (a, b) => RISK_ORDER[a.result.risk_level] - RISK_ORDER[b.result.risk_level] || b.result.anomaly_score - a.result.anomaly_score || a.index - b.index;

function cell(label, text) {
  const td = el('td', text);
  td.dataset.label = label;
  return td;
}

function badgeCell(label, value) {
  const td = cell(label);
  td.append(badge(value));
  return td;
}

/** The riskiest sessions (items already riskier first), for the screen and the printed report. */
export function renderRiskiest(tbody, items) {
  tbody.replaceChildren(
    ...items.map((it) => {
      const tr = document.createElement('tr');
      const r = it.result;
      tr.append(
        cell('#', String(it.index + 1)),
        cell('Source', it.srcIp),
        cell('Country', it.country || '—'),
        badgeCell('Verdict', r.verdict),
        badgeCell('Risk', r.risk_level),
        cell('Score', r.anomaly_score.toFixed(3)),
        cell('Reasons', r.reasons.join('; ') || '—'),
      );
      return tr;
    }),
  );
}

function sessionRow(it) {
  const r = it.result;
  const tr = document.createElement('tr');
  tr.append(
    cell('#', String(it.index + 1)),
    cell('Source', it.srcIp),
    cell('Country', it.country || '—'),
    cell('Bytes in', it.bytesIn === null ? '—' : it.bytesIn.toLocaleString('en-US')),
    cell('Bytes out', it.bytesOut === null ? '—' : it.bytesOut.toLocaleString('en-US')),
  );
  tr.append(badgeCell('Verdict', r.verdict), badgeCell('Risk', r.risk_level), cell('Score', r.anomaly_score.toFixed(3)));
  const reasons = cell('Reasons', undefined);
  reasons.className = 'reasons';
  if (r.reasons.length > 0) {
    const ul = el('ul');
    for (const reason of r.reasons) ul.append(el('li', reason));
    reasons.append(ul);
  } else reasons.textContent = '—';
  tr.append(reasons, cell('Novel / missing', [...r.novel_fields.map((f) => `novel ${f}`), ...r.missing_fields.map((f) => `missing ${f}`)].join(', ') || '—'));
  return tr;
}

export const matches = ({ risk = '', verdict = '', country = '', ip = '' }) => {
  const needle = ip.trim();
  return (it) => (!risk || it.result.risk_level === risk) && (!verdict || it.result.verdict === verdict) && (!country || it.country === country) && (!needle || it.srcIp.includes(needle));
};

export class SessionsTable {
  constructor(root, onError) {
    this.tbody = root.querySelector('#table tbody');
    this.count = root.querySelector('#count');
    this.pageLabel = root.querySelector('#page');
    this.prev = root.querySelector('#prev');
    this.next = root.querySelector('#next');
    this.onError = onError;
    this.prev.addEventListener('click', () => this.show(this.page - 1));
    this.next.addEventListener('click', () => this.show(this.page + 1));
    this.source = null;
    this.generation = 0; // a newer load, filter or page makes an older one's answer stale
  }

  /**
   * source: { jobId, toItem(text, index) -> item, total, pageStarts: [byte offset, index] of every PAGE-th record }
   */
  load(source) {
    this.source = source;
    this.test = null;
    this.total = source.total;
    this.matched = source.total;
    this.pageStarts = source.pageStarts;
    return this.show(0);
  }

  /** Keeps the sessions that match: one pass over the results, remembering where each page starts. */
  async filter(f) {
    if (!this.source) return;
    const generation = ++this.generation;
    const test = matches(f);
    const any = Object.values(f).some((v) => String(v).trim() !== '');
    if (!any) return this.load(this.source);
    this.count.textContent = 'Filtering…';
    const starts = [];
    let index = -1;
    let matched = 0;
    try {
      await scanResults(this.source.jobId, this.source.dataStart, (text, offset) => {
        if (generation !== this.generation) return false;
        index++;
        if (!test(this.source.toItem(text, index))) return true;
        if (matched % PAGE === 0) starts.push([offset, index]);
        matched++;
        return true;
      });
    } catch (err) {
      return this.onError(err);
    }
    if (generation !== this.generation) return;
    this.test = test;
    this.matched = matched;
    this.pageStarts = starts;
    return this.show(0);
  }

  async show(page) {
    const pages = Math.max(1, this.pageStarts.length);
    this.page = Math.min(Math.max(0, page), pages - 1);
    const generation = ++this.generation;
    const rows = [];
    if (this.pageStarts.length > 0) {
      let [offset, index] = this.pageStarts[this.page];
      index--;
      try {
        await scanResults(this.source.jobId, offset, (text) => {
          index++;
          const it = this.source.toItem(text, index);
          if (!this.test || this.test(it)) rows.push(it);
          return rows.length < PAGE && generation === this.generation;
        });
      } catch (err) {
        return this.onError(err);
      }
    }
    if (generation !== this.generation) return;
    const fragment = document.createDocumentFragment();
    for (const it of rows) fragment.append(sessionRow(it));
    this.tbody.replaceChildren(fragment);
    this.count.textContent = `${this.matched.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')} sessions`;
    this.pageLabel.textContent = `page ${(this.page + 1).toLocaleString('en-US')} of ${pages.toLocaleString('en-US')}`;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
  }
}
