import type { z } from 'zod';

/**
 * zod's own messages ("Too small: expected string to have >=1 characters", "Invalid input") are
 * library jargon. Parsing with `{ error: plainIssue }` words every issue whose schema gave no
 * message of its own as a predicate that follows the field's name ("must not be empty", "must be
 * one of "0-1", "0-255"; got "0-2""); a schema's own message ("a tag name cannot be empty") is kept.
 * `issueLine` then makes one line of either kind, naming the field in the caller's terms.
 */

/** An issue as zod reports it after parsing, with the mark plainIssue leaves on the issues it worded. */
export interface ParsedIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly plain?: boolean;
}

/** Whether the message is a predicate to follow the field's name (`plainIssue` worded it). */
export function isPlainIssue(issue: object): boolean {
  return (issue as { plain?: unknown }).plain === true;
}

const TEXT_LIMIT = 40;

/**
 * A value as one short line: JSON for text (control characters escaped), a count for a list. With
 * `quote` false only its kind ("text", "a number"): for values read from a file a web client of
 * `tessera serve` may not read itself, which an error must not repeat.
 */
export function describeValue(v: unknown, quote = true): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (!quote && (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'))
    return typeof v === 'string' ? 'text' : typeof v === 'boolean' ? 'true or false' : 'a number';
  if (typeof v === 'string') {
    const shown = v.length > TEXT_LIMIT ? `${v.slice(0, TEXT_LIMIT)}…` : v;
    return JSON.stringify(shown);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function literal(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}` : String(v);
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  set: 'a list',
  date: 'a date',
  null: 'null',
  literal: 'a fixed value',
};

interface SchemaDef {
  type?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
  items?: Array<{ _zod?: { def?: SchemaDef } }>;
  options?: Array<{ _zod?: { def?: SchemaDef } }>;
  innerType?: { _zod?: { def?: SchemaDef } };
  in?: { _zod?: { def?: SchemaDef } };
}

/** The values a simple schema accepts, in words (a union's options, a literal, an enum, a tuple of those); null when not simple. */
function acceptedForms(def: SchemaDef | undefined, depth = 0): string[] | null {
  if (def === undefined || depth > 4) return null;
  switch (def.type) {
    case 'literal':
      return (def.values ?? []).map(literal);
    case 'enum':
      return Object.values(def.entries ?? {}).map(literal);
    case 'union': {
      const all: string[] = [];
      for (const o of def.options ?? []) {
        const forms = acceptedForms(o._zod?.def, depth + 1);
        if (forms === null) return null;
        all.push(...forms);
      }
      return all;
    }
    case 'tuple': {
      const parts: string[] = [];
      for (const item of def.items ?? []) {
        const forms = acceptedForms(item._zod?.def, depth + 1);
        if (forms === null || forms.length !== 1) return null;
        parts.push(forms[0] as string);
      }
      return [`[${parts.join(', ')}]`];
    }
    case 'default':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return acceptedForms(def.innerType?._zod?.def, depth + 1);
    case 'pipe':
      return acceptedForms(def.in?._zod?.def, depth + 1);
    case 'string':
    case 'number':
    case 'boolean':
      return [EXPECTED[def.type] as string];
    default:
      return null;
  }
}

function oneOf(forms: readonly string[]): string {
  return forms.length === 1 ? `must be ${forms[0]}` : `must be one of ${forms.join(', ')}`;
}

function sizeOf(v: unknown): number | null {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v instanceof Set || v instanceof Map) return v.size;
  return null;
}

function units(origin: string, n: number | bigint): string {
  if (origin === 'string') return ` character${n === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return ` item${n === 1 ? '' : 's'}`;
  if (origin === 'file') return ` byte${n === 1 ? '' : 's'}`;
  return '';
}

/** A predicate for one issue, to follow the field's name; `quote`: whether to repeat the value given. */
function predicate(iss: z.core.$ZodRawIssue, quote: boolean): string {
  const input = iss.input;
  const got = (v: unknown, origin: string): string => {
    const n = origin === 'string' || origin === 'array' || origin === 'set' ? sizeOf(v) : null;
    if (n !== null) return `; got ${n}`;
    return v === undefined ? '' : `; got ${describeValue(v, quote)}`;
  };
  switch (iss.code) {
    case 'invalid_type': {
      if (input === undefined) return 'is missing';
      const expected = EXPECTED[iss.expected] ?? iss.expected;
      return `must be ${expected}; got ${describeValue(input, quote)}`;
    }
    case 'too_small': {
      const origin = String(iss.origin);
      if (origin === 'string' && Number(iss.minimum) === 1) return 'must not be empty';
      if ((origin === 'array' || origin === 'set') && Number(iss.minimum) === 1) return 'must not be empty';
      const counted = origin === 'string' || origin === 'array' || origin === 'set' || origin === 'file';
      const bound = iss.exact === true ? 'exactly' : iss.inclusive === false ? (counted ? 'more than' : 'greater than') : 'at least';
      const verb = counted ? 'must have' : 'must be';
      return `${verb} ${bound} ${iss.minimum}${units(origin, iss.minimum)}${got(input, origin)}`;
    }
    case 'too_big': {
      const origin = String(iss.origin);
      const counted = origin === 'string' || origin === 'array' || origin === 'set' || origin === 'file';
      const bound = iss.exact === true ? 'exactly' : iss.inclusive === false ? (counted ? 'fewer than' : 'less than') : 'at most';
      const verb = counted ? 'must have' : 'must be';
      return `${verb} ${bound} ${iss.maximum}${units(origin, iss.maximum)}${got(input, origin)}`;
    }
    case 'invalid_value':
      return `${oneOf(iss.values.map(literal))}${got(input, '')}`;
    case 'invalid_union': {
      const forms = acceptedForms((iss.inst as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def);
      if (forms !== null && forms.length > 0) return `${oneOf(forms)}${got(input, '')}`;
      return `is not in an accepted form${got(input, '')}`;
    }
    case 'invalid_format':
      return iss.format === 'regex' && 'pattern' in iss ? `must match ${String(iss.pattern)}` : `must be a valid ${iss.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}${got(input, '')}`;
    case 'unrecognized_keys':
      return `has unknown key${iss.keys.length === 1 ? '' : 's'} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    default:
      return `is not valid${got(input, '')}`;
  }
}

/**
 * The per-parse error map (`schema.safeParse(v, { error: plainIssue })`): zod calls it only for
 * issues whose schema has no message of its own, so it also marks them (`plain`, copied onto the
 * reported issue) for issueLine to put the field's name first.
 */
export const plainIssue: z.core.$ZodErrorMap = (iss) => {
  (iss as { plain?: boolean }).plain = true;
  return predicate(iss, true);
};

/** plainIssue that never repeats the value given, only its kind ("got text"): for values read from a file a caller may not read. */
export const plainIssueUnquoted: z.core.$ZodErrorMap = (iss) => {
  (iss as { plain?: boolean }).plain = true;
  return predicate(iss, false);
};

/** A dotted path ("input.range", "fileNames.0"); '' for the whole input. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * One line for an issue: "<field> <predicate>" for one plainIssue worded, "<message> (<field>)"
 * for a schema's own message. `field` names the path in the reader's terms (default: the dotted path).
 */
export function issueLine(issue: ParsedIssue, field: (path: string) => string = (p) => p): string {
  const path = issuePath(issue.path);
  const name = path === '' ? '' : field(path);
  if (isPlainIssue(issue)) return `${name !== '' ? name : path !== '' ? path : 'the input'} ${issue.message}`;
  return name === '' ? issue.message : `${issue.message} (${name})`;
}
