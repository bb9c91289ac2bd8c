/** Machine output goes to stdout as one JSON document; human output as plain lines. */

let outputFailed = false;

/**
 * A reader that stops early (`tessera eval | head -1`, `| true`) closes the pipe: the rest of the
 * output is dropped quietly and the command finishes its work (it used to end on an unhandled EPIPE
 * with a Node stack trace, exit 1). Any other fault of stdout (a full disk: `> /dev/full`) is one
 * line on stderr and exit 1. stderr's own faults are dropped: there is nowhere left to say them.
 */
export function guardOutputStreams(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return;
    if (!outputFailed)
      process.stderr.write(`error: cannot write the output: ${err.code === 'ENOSPC' ? 'no space left on the device' : err.message}\n`);
    outputFailed = true;
    process.exitCode = 1;
  });
  process.stderr.on('error', () => undefined);
}

/** Whether writing the output failed (not counting a reader that stopped early). */
export function outputWriteFailed(): boolean {
  return outputFailed;
}
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
