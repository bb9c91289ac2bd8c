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
/**
 * Text as one line: control characters (a line break in a file name, a terminal escape) written as
 * JSON writes them (\n, \t, \u001b), so an error stays one line whatever names it quotes.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const json = JSON.stringify(c).slice(1, -1);
    return json.length > 1 ? json : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * An error as printed: "error: " and one line. An error that lists its problems one per line (a
 * manifest's "FILE: 3 problems" and the problems, indented) keeps those lines, each made one line.
 */
export function errorText(message: string, listed = 0): string {
  const lines = message.split('\n');
  if (listed > 1 && lines.length === listed + 1 && lines.slice(1).every((l) => l.startsWith('  ')))
    return `error: ${lines.map(oneLine).join('\n')}\n`;
  return `error: ${oneLine(message)}\n`;
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
