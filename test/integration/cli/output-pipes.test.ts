// Where the CLI's output goes is the user's: a pipe into `head` that stops reading, a full disk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';

let t: ReturnType<typeof tempDir>;
let ws: string;

beforeAll(() => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
});
afterAll(() => t.cleanup());

/** `tessera ARGS | true` (a reader that exits before the first line): the CLI's exit code and stderr. */
function intoClosedPipe(args: string[]): { code: string; stderr: string } {
  const r = spawnSync(
    'bash',
    ['-c', `"$NODE" "$BIN" --workspace "$WS" ${args.join(' ')} 2> "$ERR" | true; echo "\${PIPESTATUS[0]}"; cat "$ERR"`],
    { env: { ...process.env, NODE: process.execPath, BIN, WS: ws, ERR: join(t.dir, 'err.txt') }, encoding: 'utf8' },
  );
  const [code, ...rest] = r.stdout.split('\n');
  return { code: code ?? '', stderr: rest.join('\n').trim() };
}

describe('output into a pipe whose reader stops', () => {
  it('ends quietly with exit 0 (it was an unhandled EPIPE: a Node stack trace, exit 1)', () => {
    for (const args of [['datasets', 'list', '--json'], ['--help'], ['check']]) {
      for (let i = 0; i < 3; i++) expect(intoClosedPipe(args), args.join(' ')).toEqual({ code: '0', stderr: '' });
    }
  });

  it('an error still says its one line on stderr', () => {
    expect(intoClosedPipe(['datasets', 'delete', 'nothing'])).toEqual({
      code: '1',
      stderr: expect.stringMatching(/^error: [^\n]*$/) as string,
    });
  });
});

describe.skipIf(!existsSync('/dev/full'))('output onto a full disk', () => {
  it('says so in one line and exits 1', () => {
    const r = spawnSync('bash', ['-c', `"$NODE" "$BIN" --workspace "$WS" datasets list --json > /dev/full`], {
      env: { ...process.env, NODE: process.execPath, BIN, WS: ws },
      encoding: 'utf8',
    });
    expect({ code: r.status, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: 'error: cannot write the output: no space left on the device\n',
    });
  });
});
