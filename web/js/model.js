// The model view: what GET /model says, and, with the admin token, training and rollback.
import { getModel, rollback, train } from './api.js';
import { drawImportances, savePng } from './charts.js';
import { badge, el } from './dom.js';

function facts(pairs) {
  const dl = el('dl', undefined, 'facts');
  for (const [k, v] of pairs) dl.append(el('dt', k), el('dd', v));
  return dl;
}

const f3 = (v) => (v === null || v === undefined ? 'n/a' : Number(v).toFixed(3));

function confusion(matrix) {
  const table = el('table', undefined, 'confusion');
  const head = el('tr');
  head.append(el('th', ''), el('th', 'predicted normal'), el('th', 'predicted suspicious'));
  const [[tn, fp], [fn, tp]] = matrix;
  const r0 = el('tr');
  r0.append(el('th', 'truly normal'), el('td', String(tn)), el('td', String(fp)));
  const r1 = el('tr');
  r1.append(el('th', 'truly suspicious'), el('td', String(fn)), el('td', String(tp)));
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

export async function showModel(root) {
  const m = await getModel();
  const h = m.metrics.holdout;
  const box = el('div', undefined, 'grid2');
  const left = el('div');
  left.append(
    el('h3', 'Served version'),
    facts([
      ['version', m.version],
      ['trained at', m.trained_at],
      ['rows', String(m.data.rows)],
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
    el('h3', `Random Forest on the hold-out (${h.test_rows} rows)`),
    facts([
      ['accuracy', f3(h.accuracy)],
      ['precision', f3(h.precision)],
      ['recall', f3(h.recall)],
      ['F1', f3(h.f1)],
      ['ROC AUC / AP', h.roc_auc === null ? 'with provided labels only' : `${f3(h.roc_auc)} / ${f3(h.average_precision)}`],
    ]),
    confusion(h.confusion_matrix),
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
  return m;
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
      const r = await train(token(), file);
      status.textContent = `Trained ${r.model_version} on ${r.trained_rows} rows in ${(r.duration_ms / 1000).toFixed(1)} s; now served.`;
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
