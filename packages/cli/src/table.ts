// Ollama's CLI tables (tablewriter without borders, left aligned, columns four spaces apart): plain text that a
// person reads and `awk` can still split.
import { stripVTControlCharacters } from 'node:util';

export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return all
    .map((row) =>
      row
        .map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell)))
        .join('    ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function width(s: string): number {
  return [...stripVTControlCharacters(s)].length;
}
