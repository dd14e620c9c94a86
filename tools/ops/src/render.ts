/** Output for people (tables, bars) and for scripts (--json), written to the streams a command is given. */
export interface Output {
  json: boolean;
  write(text: string): void;
  /** Progress and notes: on stderr, so that --json output stays parseable. */
  note(text: string): void;
}

export function streamsOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return { json, write: (text) => stdout.write(text), note: (text) => stderr.write(text) };
}

export type Cell = string | number | boolean | null | undefined;

/** A plain-text table: a header, a rule and aligned columns; long cells are cut to `maxWidth` with an ellipsis. */
export function table(columns: string[], rows: Cell[][], maxWidth = 60): string {
  const text = (cell: Cell) => {
    const value = cell === null || cell === undefined ? '-' : String(cell).replace(/\s+/g, ' ');
    return value.length > maxWidth ? `${value.slice(0, maxWidth - 1)}…` : value;
  };
  const cells = rows.map((row) => row.map(text));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** Prints rows as a table, or as `{ "value": [...] }` JSON with --json. */
export function list<T>(out: Output, items: T[], columns: Array<[string, (item: T) => Cell]>, empty = 'nothing to show'): void {
  if (out.json) {
    out.write(`${JSON.stringify({ value: items }, null, 2)}\n`);
    return;
  }
  if (items.length === 0) {
    out.write(`${empty}\n`);
    return;
  }
  out.write(
    table(
      columns.map(([name]) => name),
      items.map((item) => columns.map(([, cell]) => cell(item))),
    ),
  );
}

export function progressBar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** ISO time without milliseconds, for tables. */
export function time(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z').replace('T', ' ') : '-';
}
