// The original dashboards' views, drawn with Chart.js from the results; each can be saved as PNG.
/* global Chart */

const RED = 'rgba(198, 40, 40, 0.8)';
const BLUE = 'rgba(31, 95, 191, 0.55)';
const GREY = 'rgba(90, 100, 114, 0.45)';
const charts = new Map();

function draw(id, config) {
  charts.get(id)?.destroy();
  const chart = new Chart(document.getElementById(id), { ...config, options: { animation: false, maintainAspectRatio: false, responsive: true, ...config.options } });
  charts.set(id, chart);
  return chart;
}

/** Saves a chart as a PNG file. */
export function savePng(id) {
  const chart = charts.get(id);
  if (!chart) return;
  const a = document.createElement('a');
  a.href = chart.toBase64Image('image/png', 1);
  a.download = `${id}.png`;
  a.click();
}

/** The anomaly-score histogram's bins: 25 from 0.3 to 0.8, the scores outside in the end bins. */
export const SCORE_BINS = { bins: 25, lo: 0.3, hi: 0.8 };
export const scoreBin = (score) => Math.min(SCORE_BINS.bins - 1, Math.max(0, Math.floor(((score - SCORE_BINS.lo) / (SCORE_BINS.hi - SCORE_BINS.lo)) * SCORE_BINS.bins)));

/**
 * digest: what the charts need of a scored file, gathered in one pass (web/js/digest.js): sampled
 * { x: bytes in, y: bytes out } points by verdict, bytes by source, all bytes, the score histogram.
 * summary: the batch summary; threshold: the anomaly threshold.
 */
export function drawSessionCharts(digest, summary, threshold) {
  draw('chart-volume', {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'normal', data: digest.points.normal, backgroundColor: GREY, pointRadius: 2 },
        { label: 'suspicious', data: digest.points.suspicious, backgroundColor: RED, pointRadius: 3 },
      ],
    },
    options: { scales: { x: { type: 'logarithmic', title: { display: true, text: 'bytes in' } }, y: { type: 'logarithmic', title: { display: true, text: 'bytes out' } } } },
  });
  const countries = summary.by_country.slice(0, 20);
  draw('chart-country', {
    type: 'bar',
    data: {
      labels: countries.map((c) => c.country),
      datasets: [
        { label: 'sessions', data: countries.map((c) => c.count), backgroundColor: BLUE },
        { label: 'suspicious', data: countries.map((c) => c.suspicious), backgroundColor: RED },
      ],
    },
  });
  const hours = Array.from({ length: 24 }, (_, h) => summary.by_hour.find((x) => x.hour === h) ?? { hour: h, count: 0, suspicious: 0 });
  draw('chart-hour', {
    type: 'bar',
    data: {
      labels: hours.map((h) => String(h.hour)),
      datasets: [
        { label: 'sessions', data: hours.map((h) => h.count), backgroundColor: BLUE },
        { label: 'suspicious', data: hours.map((h) => h.suspicious), backgroundColor: RED },
      ],
    },
  });
  const totalBytes = digest.totalBytes || 1;
  const bytesBy = digest.bytesBy;
  const top = summary.top_sources.slice(0, 10);
  draw('chart-sources', {
    type: 'bar',
    data: {
      labels: top.map((s) => s.src_ip),
      datasets: [
        { label: 'suspicious sessions', data: top.map((s) => s.suspicious), backgroundColor: RED, xAxisID: 'x' },
        { label: '% of all bytes', data: top.map((s) => (100 * (bytesBy.get(s.src_ip) ?? 0)) / totalBytes), backgroundColor: BLUE, xAxisID: 'x2' },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: { position: 'bottom', title: { display: true, text: 'suspicious sessions' } },
        x2: { position: 'top', max: 100, title: { display: true, text: '% of bytes' }, grid: { drawOnChartArea: false } },
      },
    },
  });
  const { bins, lo, hi } = SCORE_BINS;
  const counts = digest.scoreCounts;
  const edges = counts.map((_, b) => lo + ((hi - lo) * b) / bins);
  draw('chart-scores', {
    type: 'bar',
    data: {
      labels: edges.map((e) => e.toFixed(2)),
      datasets: [
        {
          label: `sessions (threshold ${threshold.toFixed(3)})`,
          data: counts,
          backgroundColor: edges.map((e) => (e + (hi - lo) / bins > threshold ? RED : BLUE)),
          barPercentage: 1,
          categoryPercentage: 1,
        },
      ],
    },
    options: { scales: { x: { title: { display: true, text: 'anomaly score (red: at or above the threshold)' } } } },
  });
}

/** The Random Forest's feature importances, largest first. */
export function drawImportances(id, importances) {
  const entries = Object.entries(importances).sort((a, b) => b[1] - a[1]);
  draw(id, { type: 'bar', data: { labels: entries.map(([f]) => f), datasets: [{ label: 'importance', data: entries.map(([, v]) => v), backgroundColor: BLUE }] }, options: { indexAxis: 'y' } });
}

const CURVE_COLOURS = ['rgba(31, 95, 191, 0.9)', 'rgba(46, 125, 50, 0.9)', 'rgba(239, 108, 0, 0.9)', 'rgba(106, 27, 154, 0.9)', 'rgba(0, 131, 143, 0.9)'];

/** ROC (kind 'roc') or precision-recall ('pr') curves, one line a detector, the combined decision in red and thicker. */
export function drawCurves(id, curves, kind) {
  const datasets = curves.map((c, k) => ({
    label: c.detector,
    data: c[kind].map(([x, y]) => ({ x, y })),
    showLine: true,
    pointRadius: 0,
    borderWidth: c.detector === 'combined' ? 3 : 1.5,
    borderColor: c.detector === 'combined' ? RED : CURVE_COLOURS[k % CURVE_COLOURS.length],
  }));
  const [x, y] = kind === 'roc' ? ['false-positive rate', 'true-positive rate'] : ['recall', 'precision'];
  draw(id, { type: 'scatter', data: { datasets }, options: { scales: { x: { min: 0, max: 1, title: { display: true, text: x } }, y: { min: 0, max: 1, title: { display: true, text: y } } } } });
}
