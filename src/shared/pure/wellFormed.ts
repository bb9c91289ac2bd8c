/**
 * Lone UTF-16 surrogates: JSON may carry them (`"\udcff"`, what Python's json.dump writes for a file
 * name it read with surrogateescape), JavaScript strings hold them, but UTF-8 cannot: SQLite stores
 * them as bytes that read back as three U+FFFD, and a path with one names another file. Text that
 * becomes a stored name, query or path is checked here and refused.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The index of the first lone surrogate in `text`, or -1 when it is well-formed Unicode. */
export function loneSurrogateAt(text: string): number {
  const m = LONE_SURROGATE.exec(text);
  return m === null ? -1 : m.index;
}

/** The lone surrogate at `at` as a JSON escape (`\udcff`), for messages. */
export function surrogateEscape(text: string, at: number): string {
  return `\\u${text.charCodeAt(at).toString(16).padStart(4, '0')}`;
}

/**
 * The path (`a.b.0`) and escape of the first string with a lone surrogate in a parsed value (plain
 * objects, arrays and strings; typed arrays and other objects are not looked into); null when none.
 * Numbers cost one type check each: a large array of coordinates is walked without allocating.
 */
export function firstLoneSurrogate(value: unknown): { path: string; escape: string } | null {
  const path: string[] = [];
  const walk = (v: unknown): string | null => {
    if (typeof v === 'string') {
      const at = loneSurrogateAt(v);
      return at < 0 ? null : surrogateEscape(v, at);
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item !== 'string' && (item === null || typeof item !== 'object')) continue;
        path.push(String(i));
        const found = walk(item);
        if (found !== null) return found;
        path.pop();
      }
      return null;
    }
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, item] of Object.entries(v)) {
        path.push(k);
        const found = walk(item);
        if (found !== null) return found;
        path.pop();
      }
    }
    return null;
  };
  const escape = walk(value);
  return escape === null ? null : { path: path.join('.'), escape };
}
