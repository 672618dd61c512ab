/** Plain-text formatting of measured numbers for the human (non --json) output. */

/** 0.9012 -> "90.1%". */
export function formatPercent(fraction: number, digits = 1): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : 'n/a';
}

/** Seconds -> "0.8s", "42s", "3m 05s", "1h 02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m ${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Left-aligned columns separated by two spaces; every row may have a different length. */
export function formatTable(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

/** "3 (Dress)", or just "3" when the class is named by its index (digits). */
export function formatClass(index: number, classNames: readonly string[]): string {
  const name = classNames[index];
  return name === undefined || name === String(index) ? String(index) : `${index} (${name})`;
}
