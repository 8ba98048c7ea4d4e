/**
 * The rows of the new-against-served comparison, in the order `npm run train` prints them and the
 * console's train form shows them: one list for both. It imports nothing at run time, so the build
 * copies its compiled file into the console as it is (scripts/build-web.ts), as it does sniff.js.
 */
import type { SideFigures } from './promote.js';

export const COMPARISON_FIGURES: readonly (readonly [label: string, key: keyof SideFigures])[] = [
  ['ROC AUC (risk_probability)', 'roc_auc'],
  ['average precision', 'average_precision'],
  ['verdict precision', 'precision'],
  ['verdict recall', 'recall'],
  ['anomaly share', 'anomaly_share'],
  ['suspicious share', 'suspicious_share'],
  ['silhouette, Isolation Forest', 'silhouette_isolation_forest'],
  ['silhouette, IQR baseline', 'silhouette_iqr_baseline'],
];
