import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TOOL_VERSION } from '../../../src/main/engine/version';

describe('tool version', () => {
  it('matches package.json, since runs and reports record it', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(TOOL_VERSION).toBe(pkg.version);
  });
});
