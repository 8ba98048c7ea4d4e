// The model view: what GET /model says, and, with the admin token, training and rollback.
import { getModel, rollback, train } from './api.js';
import { drawCurves, drawImportances, savePng } from './charts.js';
import { COMPARISON_FIGURES } from './comparison-figures.js';
import { badge, el } from './dom.js';

function facts(pairs) {
  const dl = el('dl', undefined, 'facts');
  for (const [k, v] of pairs) dl.append(el('dt', k), el('dd', v));
  return dl;
}

const f3 = (v) => (v === null || v === undefined ? 'n/a' : Number(v).toFixed(3));

/** names: [row 0, row 1, column 0, column 1]: the truth (or the detectors) by rows, the prediction by columns */
function confusion(matrix, names) {
  const table = el('table', undefined, 'confusion');
  const head = el('tr');
  head.append(el('th', ''), el('th', names[2]), el('th', names[3]));
  const [[tn, fp], [fn, tp]] = matrix;
  const r0 = el('tr');
  r0.append(el('th', names[0]), el('td', String(tn)), el('td', String(fp)));
  const r1 = el('tr');
  r1.append(el('th', names[1]), el('td', String(fn)), el('td', String(tp)));
  table.append(head, r0, r1);
  table.id = 'confusion';
  return table;
}

function rules(surrogate) {
  const table = el('table');
  table.id = 'rules';
  const head = el('tr');
  for (const h of ['verdict', 'if', 'support', 'precision']) head.append(el('th', h));
  table.append(head);
  for (const r of surrogate.rules) {
    const tr = el('tr');
    const verdict = el('td');
    verdict.append(badge(r.verdict));
    tr.append(verdict, el('td', r.conditions.join(' and ') || '(always)'), el('td', String(r.support)), el('td', f3(r.precision)));
    table.append(tr);
  }
  return table;
}

/** What the silhouettes compare, and which split is the cleaner on this data. */
function silhouetteSentence(s) {
  const intro =
    "A silhouette (from -1 to 1, higher is better) measures how cleanly a detector's flagged and unflagged rows separate in the scaled features; " +
    'it says how distinct the flagged rows are, not whether they are attacks.';
  if (s.isolation_forest === null || s.iqr_baseline === null) return `${intro} One detector flagged no row or every row, so it has no silhouette.`;
  const [better, worse] =
    s.isolation_forest >= s.iqr_baseline
      ? [
          ['Isolation Forest', s.isolation_forest],
          ['IQR baseline', s.iqr_baseline],
        ]
      : [
          ['IQR baseline', s.iqr_baseline],
          ['Isolation Forest', s.isolation_forest],
        ];
  return `${intro} Here the ${better[0]}'s split (${f3(better[1])}) is cleaner than the ${worse[0]}'s (${f3(worse[1])}).`;
}

/** With provided labels: the served verdict, the curves of each detector and of the combination, the risk levels against the truth. */
function labelledHoldout(m) {
  const h = m.metrics.holdout;
  const d = m.metrics.decision;
  const v = d.verdict ?? h;
  const out = [
    el('h3', `Against the provided labels, on the hold-out (${h.test_rows} rows)`),
    facts([
      ['accuracy (Random Forest at 0.5)', f3(h.accuracy)],
      ['verdict precision', f3(v.precision)],
      ['verdict recall', f3(v.recall)],
      ['ROC AUC / AP (Random Forest)', `${f3(h.roc_auc)} / ${f3(h.average_precision)}`],
    ]),
    confusion(h.confusion_matrix, ['truly normal', 'truly malicious', 'predicted normal', 'predicted suspicious']),
  ];
  if (d.curves?.length) {
    for (const [id, label] of [
      ['chart-roc', 'ROC curves: true-positive rate against false-positive rate'],
      ['chart-pr', 'Precision-recall curves'],
    ]) {
      const figure = el('figure', undefined, 'curve');
      const canvas = el('canvas');
      canvas.id = id;
      canvas.setAttribute('aria-label', label);
      figure.append(canvas, el('figcaption', `${label}, each detector and the combined decision`));
      out.push(figure);
    }
  }
  const levels = d.holdout_evaluation?.risk_levels;
  if (levels) {
    const table = el('table');
    table.id = 'risk-levels';
    const head = el('tr');
    for (const x of ['risk level', 'benign', 'attacks']) head.append(el('th', x));
    table.append(head);
    for (const r of levels.table) {
      const tr = el('tr');
      tr.append(el('td', r.level), el('td', String(r.benign)), el('td', String(r.attacks)));
      table.append(tr);
    }
    out.push(el('h3', `Risk levels against the truth (ROC AUC of the levels ${f3(levels.roc_auc)})`), table);
  }
  return out;
}

/** With derived labels the "truth" is the detectors' own output: the figures say how well the forest reproduces it. */
function derivedHoldout(m) {
  const h = m.metrics.holdout;
  return [
    el('h3', `Agreement with the detectors, on the hold-out (${h.test_rows} rows)`),
    el(
      'p',
      'These labels were derived from the Isolation Forest, not given: the figures below measure how closely the Random Forest reproduces the detectors, not accuracy against real attacks. Train with a label column to measure that.',
      'note',
    ),
    facts([
      ['agreement with the detectors', f3(h.accuracy)],
      ['precision against the detectors', f3(h.precision)],
      ['recall against the detectors', f3(h.recall)],
      ['F1 against the detectors', f3(h.f1)],
      ['ROC AUC / AP', 'with provided labels only'],
    ]),
    confusion(h.confusion_matrix, ['detectors: normal', 'detectors: anomalous', 'forest: normal', 'forest: suspicious']),
  ];
}

/** GET /model's training_data in words: format, file, time span ("unknown" for a bundle that predates it). */
function trainedOn(t) {
  if (!t || t.format === 'unknown') return 'not recorded (the model predates it)';
  const span = t.first_record && t.last_record ? `, ${t.first_record.slice(0, 10)} to ${t.last_record.slice(0, 10)}` : '';
  return `${t.format}${t.file ? ` file ${t.file}` : ' upload'}${span}`;
}

export async function showModel(root) {
  const m = await getModel();
  const provided = m.label_source === 'provided';
  const box = el('div', undefined, 'grid2');
  const left = el('div');
  left.append(
    el('h3', 'Served version'),
    facts([
      ['version', m.version],
      ['trained at', m.trained_at],
      ['rows', String(m.data.rows)],
      ['trained on', trainedOn(m.training_data)],
      ['label source', m.label_source],
      ['contamination', String(m.parameters.contamination)],
      ['anomaly threshold', f3(m.anomaly_threshold)],
      ['kept versions', m.versions.join(', ')],
    ]),
    el('h3', 'IQR baseline vs Isolation Forest'),
    facts([
      ['Isolation Forest', `${m.metrics.anomalies} flagged (${(100 * m.metrics.anomaly_rate).toFixed(1)}%), silhouette ${f3(m.metrics.silhouette.isolation_forest)}`],
      ['IQR baseline', `${m.metrics.iqr_outliers} flagged (${(100 * m.metrics.iqr_outlier_rate).toFixed(1)}%), silhouette ${f3(m.metrics.silhouette.iqr_baseline)}`],
    ]),
    el('p', silhouetteSentence(m.metrics.silhouette), 'note'),
    ...(provided ? labelledHoldout(m) : derivedHoldout(m)),
  );
  const right = el('div');
  const figure = el('figure');
  const canvas = el('canvas');
  canvas.id = 'chart-importances';
  canvas.setAttribute('aria-label', 'feature importances');
  const caption = el('figcaption', 'Feature importances (Random Forest) ');
  const png = el('button', 'Save PNG');
  png.type = 'button';
  png.addEventListener('click', () => savePng('chart-importances'));
  caption.append(png);
  figure.append(canvas, caption);
  right.append(el('h3', 'Feature importances'), figure, el('h3', `Rules (fidelity ${f3(m.surrogate_rules.fidelity)}, depth ≤ ${m.surrogate_rules.max_depth})`), rules(m.surrogate_rules));
  box.append(left, right);
  root.replaceChildren(box);
  drawImportances('chart-importances', m.metrics.feature_importances);
  if (provided && m.metrics.decision.curves?.length) {
    drawCurves('chart-roc', m.metrics.decision.curves, 'roc');
    drawCurves('chart-pr', m.metrics.decision.curves, 'pr');
  }
  return m;
}

/** The new and the served models side by side on the same hold-out, as /train answered them. */
function comparisonTable(c) {
  const table = el('table');
  table.id = 'comparison';
  table.append(el('caption', `New models against the served ${c.served_version ?? '(none)'} on the same hold-out (${c.holdout_rows} rows, labels ${c.label_source}); rule: ${c.rule}`));
  const head = el('tr');
  for (const x of ['figure', 'new', 'served']) head.append(el('th', x));
  table.append(head);
  for (const [name, key] of COMPARISON_FIGURES) {
    const tr = el('tr');
    tr.append(el('th', name), el('td', f3(c.candidate[key])), el('td', c.served ? f3(c.served[key]) : 'n/a'));
    table.append(tr);
  }
  if (c.drift) {
    const tr = el('tr');
    tr.append(el('th', 'drift of the new data (max PSI)'), el('td', f3(c.drift.max_psi)), el('td', ''));
    table.append(tr);
  }
  return table;
}

/** Training and rollback. The token lives in the form field only: never stored. */
export function wireAdmin(form, status, onChange, showError) {
  const token = () => form.elements.token.value.trim();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = form.elements.data.files[0];
    if (!file) return showError('Choose a training CSV first.');
    status.textContent = `Training on ${file.name}…`;
    form.querySelectorAll('button').forEach((b) => (b.disabled = true));
    try {
      const r = await train(token(), file, form.elements.promote.value);
      const how = r.promoted ? 'now served' : 'kept as a candidate, not served';
      status.textContent = `Trained ${r.model_version} on ${r.trained_rows} rows in ${(r.duration_ms / 1000).toFixed(1)} s; ${how}: ${r.promotion.reason}`;
      form.querySelector('#train-comparison').replaceChildren(comparisonTable(r.comparison));
      await onChange();
    } catch (err) {
      status.textContent = '';
      showError(err.message);
    } finally {
      form.querySelectorAll('button').forEach((b) => (b.disabled = false));
    }
  });
  form.querySelector('#rollback').addEventListener('click', async () => {
    try {
      const r = await rollback(token());
      status.textContent = `Rolled back: now serving ${r.model_version} (was ${r.previous_version}).`;
      await onChange();
    } catch (err) {
      showError(err.message);
    }
  });
}
