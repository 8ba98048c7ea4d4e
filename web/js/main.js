// The analyst console: score a file, one record, the model. Everything comes from the service's API.
import { ApiError, getModel, streamBatch } from './api.js';
import { drawSessionCharts, savePng } from './charts.js';
import { parseCsv, toCsv } from './csv.js';
import { explain, formatOf, unreadable } from './files.js';
import { badge, el } from './dom.js';
import { showModel, wireAdmin } from './model.js';
import { wireRecord } from './record.js';
import { renderRiskiest, SessionsTable } from './table.js';

const $ = (sel) => document.querySelector(sel);
const errorBox = $('#error');
const DAY_MS = 86_400_000;
const RISKIEST = 10;

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}
function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

// Sections as tabs, following the location hash (links work, back works, keyboard works).
function route() {
  const id = ['score', 'record', 'model'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'score';
  for (const s of ['score', 'record', 'model']) $(`#${s}`).hidden = s !== id;
  for (const a of document.querySelectorAll('nav .tab')) {
    if (a.getAttribute('href') === `#${id}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (id === 'model') showModel($('#model-info')).catch((err) => showError(err.message));
}
window.addEventListener('hashchange', () => {
  clearError();
  route();
});
// An error is about the last action: the next one (a click on a button, a form sent, a file chosen) clears it first.
document.addEventListener('click', (e) => e.target instanceof Element && e.target.closest('button') && clearError(), true);
document.addEventListener('submit', clearError, true);
document.addEventListener('change', (e) => e.target instanceof HTMLInputElement && e.target.type === 'file' && clearError(), true);

const table = new SessionsTable($('#results'));
let last = null; // { header, rows, results, items }

/** A file's records as a header and rows of strings (the input columns of the results table). */
function rowsOf(text, format) {
  if (format === 'CSV') return parseCsv(text);
  const records =
    format === 'JSON'
      ? JSON.parse(text).records
      : text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l));
  const header = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return { header, rows: records.map((r) => header.map((k) => (r[k] === undefined || r[k] === null ? '' : String(r[k])))) };
}

/** What the user sees when a file is not scored: the status says so, the error box says why, in the file's terms. */
function notScored(file, why, statusText = 'fix the file and drop it again.') {
  $('#progress').hidden = true;
  $('#status').textContent = `${file.name} was not scored: ${statusText}`;
  showError(why);
}

async function scoreFile(file) {
  clearError();
  // What is on screen belongs to the previous file: hidden until this one's results arrive, so a file
  // that fails never shows another file's figures under its name.
  $('#results').hidden = true;
  last = null;
  const status = $('#status');
  const progress = $('#progress');
  const started = performance.now();
  let text;
  let kind;
  try {
    kind = await formatOf(file);
    text = await file.text();
  } catch (err) {
    return notScored(file, unreadable(file.name, err), 'the browser could not read it.');
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '').length - (kind.format === 'CSV' ? 1 : 0);
  if (text.trim() === '' || (kind.format === 'CSV' && lines < 1)) return notScored(file, `${file.name} (${kind.format}) holds no records`);
  try {
    progress.max = Math.max(1, lines);
    progress.value = 0;
    progress.hidden = false;
    status.textContent = `Scoring ${file.name} (${kind.format})…`;
    const [model, answer] = await Promise.all([getModel(), streamBatch(file, kind.type, (n) => (progress.value = n))]);
    // A stream ends with its summary, or with an error line where the file goes wrong (the 200 was sent first).
    if (answer.error || !answer.summary) {
      const got = `${answer.results.length} result${answer.results.length === 1 ? '' : 's'}`;
      if (answer.error) return notScored(file, explain(file.name, kind.format, answer.error.message));
      return notScored(file, `the answer ended after ${got}, before its summary: the service stopped`, 'the answer was cut short. Drop it again.');
    }
    const input = rowsOf(text, kind.format);
    const col = (k) => input.header.indexOf(k);
    const [ci, bi, bo, ct] = [col('src_ip_country_code'), col('bytes_in'), col('bytes_out'), col('creation_time')];
    const items = answer.results.map((result, index) => {
      const row = input.rows[index] ?? [];
      const t = Date.parse(row[ct]);
      return {
        index,
        result,
        srcIp: result.src_ip,
        country: (row[ci] ?? '').toUpperCase(),
        bytesIn: Number(row[bi]) || 0,
        bytesOut: Number(row[bo]) || 0,
        hour: Number.isFinite(t) ? Math.floor((t % DAY_MS) / 3_600_000) : null,
      };
    });
    last = { ...input, results: answer.results, items, fileName: file.name };
    show(items, answer.summary, model.anomaly_threshold);
    $('#report-title').textContent =
      `Threat report: ${file.name}, ${answer.results.length.toLocaleString('en-US')} sessions, scored ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with model ${model.version}`;
    progress.hidden = true;
    status.textContent = `${answer.results.length.toLocaleString('en-US')} results in ${((performance.now() - started) / 1000).toFixed(2)} s with model ${model.version}.`;
  } catch (err) {
    if (err instanceof ApiError) return notScored(file, explain(file.name, kind.format, err.detail));
    notScored(file, `${file.name} (${kind.format}) was not scored: ${err instanceof Error ? err.message : String(err)}`, 'see the message above.');
  }
}

function show(items, summary, threshold) {
  $('#results').hidden = false;
  const totals = [
    ['sessions', summary.count],
    ['suspicious', summary.suspicious],
    ['anomaly rate', `${(100 * summary.anomaly_rate).toFixed(1)}%`],
    ['sources', new Set(items.map((it) => it.srcIp)).size],
  ];
  $('#totals').replaceChildren(
    ...totals.map(([k, v]) => {
      const card = el('div', undefined, 'card');
      card.append(el('b', typeof v === 'number' ? v.toLocaleString('en-US') : v), k);
      return card;
    }),
  );
  $('#recommendations').replaceChildren(
    ...summary.recommendations.map((r) => {
      const li = el('li');
      li.append(badge(r.action, r.action === 'block' ? 'critical' : r.action === 'investigate' ? 'high' : 'medium'), ` ${r.src_ip}: ${r.reasons.join(', ')}`);
      return li;
    }),
  );
  const countries = [...new Set(items.map((it) => it.country).filter(Boolean))].sort();
  const select = $('#filters').elements.country;
  select.replaceChildren(new Option('any', ''), ...countries.map((c) => new Option(c, c)));
  table.load(items);
  renderRiskiest($('#riskiest tbody'), table.items.slice(0, RISKIEST));
  drawSessionCharts(items, summary, threshold);
}

function applyFilters() {
  const f = $('#filters').elements;
  table.filter({ risk: f.risk.value, verdict: f.verdict.value, country: f.country.value, ip: f.ip.value });
}

/** The input columns plus the verdict columns, in input order. */
function download() {
  if (!last) return;
  const extra = ['verdict', 'risk_level', 'anomaly_score', 'risk_probability', 'baseline_outlier', 'reasons'];
  const rows = last.results.map((r, i) => [...(last.rows[i] ?? []), r.verdict, r.risk_level, r.anomaly_score, r.risk_probability, r.baseline_outlier, r.reasons.join('; ')]);
  const blob = new Blob([toCsv([...last.header, ...extra], rows)], { type: 'text/csv' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'scored-sessions.csv';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const drop = $('#drop');
$('#file').addEventListener('change', (e) => e.target.files[0] && scoreFile(e.target.files[0]));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files[0]) scoreFile(e.dataTransfer.files[0]);
});
$('#filters').addEventListener('input', applyFilters);
$('#filters').addEventListener('submit', (e) => e.preventDefault());
$('#download').addEventListener('click', download);
$('#print').addEventListener('click', () => window.print());
for (const b of document.querySelectorAll('[data-png]')) b.addEventListener('click', () => savePng(b.dataset.png));
wireRecord($('#record-form'), $('#record-result'), showError);
wireAdmin($('#admin'), $('#admin-status'), () => showModel($('#model-info')), showError);
route();
