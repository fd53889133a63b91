/** Human-readable size in binary units: 0 B, 512 B, 1.5 KiB, 12.3 MiB. */
export function formatBytes(sizeBytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = sizeBytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Rows as left-aligned columns separated by two spaces; the first row is usually a header. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Writes one document to stdout: JSON (pretty, newline-terminated) for scripts, or text for people. */
export function emit(isJson: boolean, json: unknown, human: () => string): void {
  if (isJson) {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const text = human();
  if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
