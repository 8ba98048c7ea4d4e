// A scored file's report on screen (and on paper: the print stylesheet): totals, recommendations,
// charts, the riskiest sessions, and the countries to filter by.
import { drawSessionCharts } from './charts.js';
import { badge, el } from './dom.js';
import { renderRiskiest } from './table.js';

const $ = (sel) => document.querySelector(sel);
const n = (v) => v.toLocaleString('en-US');

/** digest: web/js/digest.js's pass over the results; summary: the job's; threshold: the model's anomaly threshold */
export function showReport(digest, summary, threshold) {
  $('#results').hidden = false;
  // One sentence when the file is unlike what the model learned from (the summary's training_note), with the command to train on it.
  const note = $('#training-note');
  note.hidden = !summary.training_note;
  // `code` in the sentence (the command to run) is shown as code, not as backticks
  note.replaceChildren(
    ...(summary.training_note ?? '').split('`').map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement('code');
      code.textContent = part;
      return code;
    }),
  );
  const totals = [
    ['sessions', summary.count],
    ['suspicious', summary.suspicious],
    ['anomaly rate', `${(100 * summary.anomaly_rate).toFixed(1)}%`],
    ['sources', digest.sourceCount()],
  ];
  $('#totals').replaceChildren(
    ...totals.map(([k, v]) => {
      const card = el('div', undefined, 'card');
      card.append(el('b', typeof v === 'number' ? n(v) : v), k);
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
  const select = $('#filters').elements.country;
  select.replaceChildren(new Option('any', ''), ...[...digest.countries].sort().map((c) => new Option(c, c)));
  $('#filters').reset();
  renderRiskiest($('#riskiest tbody'), digest.riskiest);
  drawSessionCharts(digest, summary, threshold);
}

/** The records a job left out (on_error=skip): where each is, the field and its value, as the job lists them. */
export function showSkipped(job, format) {
  const box = $('#skipped-box');
  box.hidden = job.records_skipped === 0;
  if (box.hidden) return;
  const where = format === 'JSON' ? 'record' : 'line';
  $('#skipped th').textContent = where === 'record' ? 'Record' : 'Line';
  const listed = job.skipped.length < job.records_skipped ? ` (the first ${n(job.skipped.length)} listed)` : '';
  $('#skipped-note').textContent = `${n(job.records_skipped)} bad record${job.records_skipped === 1 ? ' was' : 's were'} left out of the results${listed}: fix them and score them again.`;
  $('#skipped tbody').replaceChildren(
    ...job.skipped.map((s) => {
      const tr = el('tr');
      tr.append(el('td', String(s.line)), el('td', s.field), el('td', s.value));
      return tr;
    }),
  );
}
