import { TOOLS } from './registry';
import type { ToolId } from './Tool';

/** What a key press asks the annotation page to do. */
export type ShortcutAction =
  | { kind: 'tool'; tool: ToolId }
  | { kind: 'class'; slot: number }
  | { kind: 'brush'; step: 1 | -1 }
  | { kind: 'find-class' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'help' };

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** Keyboard shortcuts -> actions; the help overlay lists SHORTCUT_HELP, made from the same tables. */
export function shortcutFor(e: KeyPress): ShortcutAction | null {
  const mod = e.ctrlKey === true || e.metaKey === true;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod && key === 'z') return e.shiftKey === true ? { kind: 'redo' } : { kind: 'undo' };
  if (mod && key === 'y') return { kind: 'redo' };
  if (mod || e.altKey === true) return null;
  const tool = TOOLS.find((t) => t.shortcut === key);
  if (tool !== undefined) return { kind: 'tool', tool: tool.id };
  if (/^[1-9]$/.test(key)) return { kind: 'class', slot: Number(key) };
  if (key === '[') return { kind: 'brush', step: -1 };
  if (key === ']') return { kind: 'brush', step: 1 };
  if (key === '/') return { kind: 'find-class' };
  if (e.key === '?') return { kind: 'help' };
  return null;
}

export const SHORTCUT_HELP: ReadonlyArray<{ keys: string; what: string }> = [
  ...TOOLS.map((t) => ({ keys: t.shortcut.toUpperCase(), what: `${t.label}: ${t.hint}` })),
  { keys: '1 – 9', what: 'active class: the class with that index' },
  { keys: '/', what: 'find a class by name (type to filter, Enter picks the first match)' },
  { keys: '[  ]', what: 'brush radius ÷ / × 1.25' },
  { keys: 'Ctrl+Z', what: 'undo (saved in the workspace: works after a reload)' },
  { keys: 'Ctrl+Shift+Z, Ctrl+Y', what: 'redo' },
  { keys: 'Esc', what: 'drop the stroke, polygon or prompt points in progress' },
  {
    keys: 'Enter, Backspace',
    what: 'polygon: close and fill / remove the last vertex; prompt: accept the proposal / remove the last point',
  },
  { keys: 'Wheel, Space+drag, middle drag', what: 'zoom to the cursor, pan' },
  { keys: '?', what: 'show or hide this help' },
];
