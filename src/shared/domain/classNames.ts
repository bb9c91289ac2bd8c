import { loneSurrogateAt, surrogateEscape } from '../pure/wellFormed';
/**
 * What a class name may be, wherever it comes from: typed in (classes.rename, classes.add) or read
 * from a dataset's file (COCO categories). One rule, so an import cannot store a name the rename
 * dialog would refuse (a 50 MB string, a line break that breaks every table it is printed in).
 */
export const MAX_CLASS_NAME_LENGTH = 100;

/** True when `s` holds no control character (C0, DEL) and no line break. */
export function hasNoControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return false;
  }
  return true;
}

/** Why `name` cannot be a class name, or null when it can (checked as typed: rename trims first). */
export function classNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'a class name cannot be empty';
  if (trimmed.length > MAX_CLASS_NAME_LENGTH)
    return `a class name has at most ${MAX_CLASS_NAME_LENGTH} characters (this one has ${trimmed.length})`;
  if (!hasNoControl(name)) return 'a class name cannot hold control characters or line breaks';
  const lone = loneSurrogateAt(name);
  if (lone >= 0) return `a class name cannot hold a lone UTF-16 surrogate (${surrogateEscape(name, lone)}): it is not valid Unicode`;
  return null;
}
