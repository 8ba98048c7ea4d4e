// The sessions table: sorted by risk, filtered, 100 rows a page (smooth at 10,000 and more).
// Cells are set with textContent only: nothing from a file or a result is ever parsed as HTML.

import { badge, el } from './dom.js';

export const RISK_ORDER = { critical: 0, high: 1, medium: 2, low: 3 };
const PAGE = 100;
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
      tr.append(cell('#', String(it.index + 1)), cell('Source', it.srcIp), cell('Country', it.country || '—'), badgeCell('Verdict', r.verdict), badgeCell('Risk', r.risk_level), cell('Score', r.anomaly_score.toFixed(3)), cell('Reasons', r.reasons.join('; ') || '—'));
      return tr;
    }),
  );
}

export class SessionsTable {
  constructor(root) {
    this.tbody = root.querySelector('#table tbody');
    this.count = root.querySelector('#count');
    this.pageLabel = root.querySelector('#page');
    this.prev = root.querySelector('#prev');
    this.next = root.querySelector('#next');
    this.prev.addEventListener('click', () => this.show(this.page - 1));
    this.next.addEventListener('click', () => this.show(this.page + 1));
    this.items = [];
    this.filtered = [];
    this.page = 0;
  }

  /** items: [{ index, srcIp, country, bytesIn, bytesOut, result }] */
  load(items) {
    this.items = [...items].sort(byRisk);
    this.filter({});
  }

  filter({ risk = '', verdict = '', country = '', ip = '' }) {
    const needle = ip.trim();
    this.filtered = this.items.filter(
      (it) => (!risk || it.result.risk_level === risk) && (!verdict || it.result.verdict === verdict) && (!country || it.country === country) && (!needle || it.srcIp.includes(needle)),
    );
    this.show(0);
  }

  show(page) {
    const pages = Math.max(1, Math.ceil(this.filtered.length / PAGE));
    this.page = Math.min(Math.max(0, page), pages - 1);
    const rows = this.filtered.slice(this.page * PAGE, (this.page + 1) * PAGE);
    const fragment = document.createDocumentFragment();
    for (const it of rows) {
      const r = it.result;
      const tr = document.createElement('tr');
      const cells = [
        ['#', String(it.index + 1)],
        ['Source', it.srcIp],
        ['Country', it.country || '—'],
        ['Bytes in', it.bytesIn.toLocaleString('en-US')],
        ['Bytes out', it.bytesOut.toLocaleString('en-US')],
      ];
      for (const [label, text] of cells) {
        const td = el('td', text);
        td.dataset.label = label;
        tr.append(td);
      }
      for (const [label, value] of [['Verdict', r.verdict], ['Risk', r.risk_level]]) {
        const td = el('td');
        td.dataset.label = label;
        td.append(badge(value));
        tr.append(td);
      }
      const score = el('td', r.anomaly_score.toFixed(3));
      score.dataset.label = 'Score';
      const reasons = el('td', undefined, 'reasons');
      reasons.dataset.label = 'Reasons';
      if (r.reasons.length > 0) {
        const ul = el('ul');
        for (const reason of r.reasons) ul.append(el('li', reason));
        reasons.append(ul);
      } else reasons.textContent = '—';
      const fields = el('td', [...r.novel_fields.map((f) => `novel ${f}`), ...r.missing_fields.map((f) => `missing ${f}`)].join(', ') || '—');
      fields.dataset.label = 'Novel / missing';
      tr.append(score, reasons, fields);
      fragment.append(tr);
    }
    this.tbody.replaceChildren(fragment);
    this.count.textContent = `${this.filtered.length.toLocaleString('en-US')} of ${this.items.length.toLocaleString('en-US')} sessions`;
    this.pageLabel.textContent = `page ${this.page + 1} of ${pages}`;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
  }
}
