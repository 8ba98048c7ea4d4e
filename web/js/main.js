// The analyst console: score a file, one record, the model. Everything comes from the service's API.
import { ApiError, getModel, streamBatch } from './api.js';
import { drawSessionCharts, savePng } from './charts.js';
import { parseCsv, toCsv } from './csv.js';
import { badge, el } from './dom.js';
import { showModel, wireAdmin } from './model.js';
import { wireRecord } from './record.js';
import { SessionsTable } from './table.js';

const $ = (sel) => document.querySelector(sel);
const errorBox = $('#error');
const DAY_MS = 86_400_000;

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
window.addEventListener('hashchange', route);

const table = new SessionsTable($('#results'));
let last = null; // { header, rows, results, items }

/** The records of a file, as the text to stream and a table of input columns for the results. */
function readInput(name, text) {
  const trimmed = text.trimStart();
  if (name.endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const doc = JSON.parse(text);
    const records = Array.isArray(doc) ? doc : doc.records;
    if (!Array.isArray(records)) throw new Error('the JSON file must be {"records": [...]} or an array of records');
    const header = [...new Set(records.flatMap((r) => Object.keys(r)))];
    return { header, rows: records.map((r) => header.map((k) => (r[k] === undefined || r[k] === null ? '' : String(r[k])))), body: records.map((r) => JSON.stringify(r)).join('\n'), type: 'application/x-ndjson' };
  }
  const { header, rows } = parseCsv(text);
  return { header, rows, body: text, type: 'text/csv' };
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
  try {
    const input = readInput(file.name.toLowerCase(), await file.text());
    if (input.rows.length === 0) throw new Error(`${file.name} holds no records`);
    progress.max = input.rows.length;
    progress.value = 0;
    progress.hidden = false;
    status.textContent = `Scoring ${input.rows.length.toLocaleString('en-US')} records from ${file.name}…`;
    const [model, answer] = await Promise.all([getModel(), streamBatch(input.body, input.type, (n) => (progress.value = n))]);
    // A stream ends with its summary, or with an error line where the file goes wrong (the 200 was sent first).
    if (answer.error || !answer.summary) {
      progress.hidden = true;
      status.textContent = `${file.name} was not scored: ${answer.error ? 'fix the file and drop it again.' : 'the answer was cut short. Drop it again.'}`;
      const got = `${answer.results.length} result${answer.results.length === 1 ? '' : 's'}`;
      showError(answer.error ? `${answer.error.message} (after ${got})` : `the answer ended after ${got}, before its summary: the service stopped`);
      return;
    }
    const col = (k) => input.header.indexOf(k);
    const [ci, bi, bo, ct] = [col('src_ip_country_code'), col('bytes_in'), col('bytes_out'), col('creation_time')];
    const items = answer.results.map((result, index) => {
      const row = input.rows[index] ?? [];
      const t = Date.parse(row[ct]);
      return { index, result, srcIp: result.src_ip, country: (row[ci] ?? '').toUpperCase(), bytesIn: Number(row[bi]) || 0, bytesOut: Number(row[bo]) || 0, hour: Number.isFinite(t) ? Math.floor((t % DAY_MS) / 3_600_000) : null };
    });
    last = { ...input, results: answer.results, items };
    show(items, answer.summary, model.anomaly_threshold);
    progress.hidden = true;
    status.textContent = `${answer.results.length.toLocaleString('en-US')} results in ${((performance.now() - started) / 1000).toFixed(2)} s with model ${model.version}.`;
  } catch (err) {
    progress.hidden = true;
    status.textContent = '';
    showError(err instanceof ApiError || err instanceof SyntaxError || err instanceof Error ? err.message : String(err));
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
for (const b of document.querySelectorAll('[data-png]')) b.addEventListener('click', () => savePng(b.dataset.png));
wireRecord($('#record-form'), $('#record-result'), showError);
wireAdmin($('#admin'), $('#admin-status'), () => showModel($('#model-info')), showError);
route();
