import type { ToolDefinition } from '../Tool';
import { brushIdle } from '../brush/Idle';
import { brushPainting } from '../brush/Painting';

/** The brush's states, painting background (0). */
export const eraserTool: ToolDefinition = {
  id: 'eraser',
  label: 'Eraser',
  shortcut: 'e',
  hint: 'paint background (0); [ and ] change the size',
  initial: 'idle',
  states: { idle: brushIdle, painting: brushPainting(true) },
};
