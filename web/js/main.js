// The analyst console: score a file, one record, the model. Everything comes from the service's API.
import { savePng } from './charts.js';
import { showModel, wireAdmin } from './model.js';
import { wireRecord } from './record.js';
import { Scorer } from './score.js';
import { SessionsTable } from './table.js';

const $ = (sel) => document.querySelector(sel);
const errorBox = $('#error');

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
  scorer.resume();
});
// An error is about the last action: the next one (a click on a button, a form sent, a file chosen) clears it first.
document.addEventListener('click', (e) => e.target instanceof Element && e.target.closest('button') && clearError(), true);
document.addEventListener('submit', clearError, true);
document.addEventListener('change', (e) => e.target instanceof HTMLInputElement && e.target.type === 'file' && clearError(), true);

const table = new SessionsTable($('#results'), (err) => showError(`the results could not be read: ${err.message}`));
const scorer = new Scorer({ table, showError, clearError });

let filterTimer = null;
let filterSeq = 0;
/**
 * Filters the table: at once for a list, after a pause in typing for the source IP (each is a pass over
 * the results). The table is aria-busy until the latest filter is applied.
 */
function applyFilters(e) {
  const f = $('#filters').elements;
  const seq = ++filterSeq;
  $('#table').setAttribute('aria-busy', 'true');
  clearTimeout(filterTimer);
  const run = () =>
    table.filter({ risk: f.risk.value, verdict: f.verdict.value, country: f.country.value, ip: f.ip.value }).finally(() => seq === filterSeq && $('#table').setAttribute('aria-busy', 'false'));
  if (e?.target?.name === 'ip') filterTimer = setTimeout(run, 300);
  else run();
}

const drop = $('#drop');
const scoreFile = (file) => scorer.scoreFile(file);
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
$('#download').addEventListener('click', () => scorer.download());
$('#print').addEventListener('click', () => window.print());
for (const b of document.querySelectorAll('[data-png]')) b.addEventListener('click', () => savePng(b.dataset.png));
wireRecord($('#record-form'), $('#record-result'), showError);
wireAdmin($('#admin'), $('#admin-status'), () => showModel($('#model-info')), showError);
route();
scorer.resume();
