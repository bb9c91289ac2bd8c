/**
 * Error text about a user's file never quotes the file: a JSON or YAML parser's own message can
 * carry the bytes it choked on (`Unexpected token 'r', "root:*:1955"... is not valid JSON`), and an
 * error goes back to whoever made the call, a web client included. These keep only where it broke.
 */

/** "not valid JSON (position 12)" from a JSON.parse error, without the text it quoted. */
export function jsonSyntaxError(err: unknown): string {
  const text = err instanceof Error ? err.message : '';
  const at = /position (\d+)/.exec(text);
  if (/Unexpected end of JSON input/.test(text)) return 'not valid JSON (it ends too early)';
  return `not valid JSON${at === null ? '' : ` (position ${at[1]})`}`;
}

/** A character of a file shown in an error only when it is JSON punctuation (a structural hint, not content). */
export function jsonChar(c: string | undefined): string {
  return c !== undefined && /^[[\]{}:,"]$/.test(c) ? `"${c}"` : 'another character';
}

/** A key of a file shown in an error only when it looks like a field name; anything else is not repeated. */
export function fieldName(key: string | null): string {
  return key !== null && /^[A-Za-z_][A-Za-z0-9_.-]{0,39}$/.test(key) ? `"${key}"` : 'a key';
}
