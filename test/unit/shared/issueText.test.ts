import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueLine, plainIssue } from '../../../src/shared/api/issueText';

/** The line for the first issue of parsing `value` with `schema`, as the engine's door words it. */
function line(schema: z.ZodType, value: unknown): string {
  const r = schema.safeParse(value, { error: plainIssue });
  if (r.success) throw new Error('expected a failure');
  return issueLine(r.error.issues[0] as z.core.$ZodIssue);
}

describe('zod issues in words', () => {
  it('says each constraint as a predicate after the field, with what was given', () => {
    expect(line(z.object({ outDir: z.string().min(1) }), { outDir: '' })).toBe('outDir must not be empty');
    expect(line(z.object({ name: z.string().max(3) }), { name: 'abcdef' })).toBe('name must have at most 3 characters; got 6');
    expect(line(z.object({ names: z.array(z.string()).max(2) }), { names: ['a', 'b', 'c'] })).toBe(
      'names must have at most 2 items; got 3',
    );
    expect(line(z.object({ size: z.number().positive() }), { size: 0 })).toBe('size must be greater than 0; got 0');
    expect(line(z.object({ t: z.number().max(1) }), { t: 2 })).toBe('t must be at most 1; got 2');
    expect(line(z.object({ t: z.number().min(0) }), { t: -1 })).toBe('t must be at least 0; got -1');
    expect(line(z.object({ name: z.string() }), {})).toBe('name is missing');
    expect(line(z.object({ n: z.number().int() }), { n: 'x' })).toBe('n must be a number; got "x"');
    expect(line(z.object({ n: z.number().int() }), { n: 1.5 })).toBe('n must be an integer; got 1.5');
    expect(line(z.object({ kind: z.enum(['a', 'b']) }), { kind: 'c' })).toBe('kind must be one of "a", "b"; got "c"');
    expect(line(z.object({ files: z.array(z.string().min(1)) }), { files: ['a', ''] })).toBe('files.1 must not be empty');
    expect(line(z.strictObject({ a: z.number() }), { a: 1, b: 2 })).toBe('the input has unknown key "b"');
  });

  it("lists the forms a union of values takes (a manifest's input.range)", () => {
    const range = z.union([z.tuple([z.literal(0), z.literal(1)]), z.enum(['0-1', '0-255']), z.literal(255)]).default([0, 1]);
    expect(line(z.object({ input: z.object({ range }) }), { input: { range: '0-2' } })).toBe(
      'input.range must be one of [0, 1], "0-1", "0-255", 255; got "0-2"',
    );
    // A union of shapes it cannot list is still said without zod's words.
    expect(line(z.object({ v: z.union([z.object({ a: z.number() }), z.array(z.number())]) }), { v: 'x' })).toBe(
      'v is not in an accepted form; got "x"',
    );
  });

  it("keeps a schema's own message, naming the field after it", () => {
    expect(line(z.object({ tag: z.string().min(1, 'a tag name cannot be empty') }), { tag: '' })).toBe('a tag name cannot be empty (tag)');
    expect(
      line(
        z.string().refine(() => false, 'never'),
        'x',
      ),
    ).toBe('never');
  });

  it('shows text given as one short line: control characters escaped, long text cut', () => {
    expect(line(z.object({ k: z.enum(['a']) }), { k: 'x\ny' })).toBe('k must be "a"; got "x\\ny"');
    expect(line(z.object({ k: z.enum(['a']) }), { k: 'y'.repeat(100) })).toBe(`k must be "a"; got "${'y'.repeat(40)}…"`);
  });
});
