/**
 * Small statistics and formatting helpers shared by the bench sections.
 * Every reported number is a median over repetitions: the machine is shared and noisy.
 */

/** Median of a list of numbers (the list is not modified). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The p-th percentile (0..100) of a list, nearest-rank. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** `1234.5` → `'1,235 ns'`, `12345` → `'12.3 µs'`. */
export function formatNs(ns) {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 10_000) return `${Math.round(ns).toLocaleString('en-US')} ns`;
  if (ns < 10_000_000) return `${(ns / 1000).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (Math.abs(bytes) < 10_000) return `${Math.round(bytes).toLocaleString('en-US')} B`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function formatRatio(ratio) {
  if (!Number.isFinite(ratio)) return 'n/a';
  return ratio >= 100 ? `${Math.round(ratio)}×` : `${ratio.toFixed(2)}×`;
}
