// @ts-check
/** Markdown for the printed reports: tables (first column left, figures right-aligned) and number formats. */

/** Three significant digits, enough for run-to-run noise. @param {number} ms */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** @param {number} ratio */
export const formatRatio = (ratio) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '');

/** @param {number} count */
export const formatCount = (count) => count.toLocaleString('en-US');

/** @param {string[]} header @param {string[][]} rows */
export function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`]
    .concat(rows.map((row) => `| ${row.join(' | ')} |`))
    .join('\n');
}
