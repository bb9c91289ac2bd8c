import type { ToolDefinition } from '../Tool';
import { brushIdle } from './Idle';
import { brushPainting } from './Painting';

export const brushTool: ToolDefinition = {
  id: 'brush',
  label: 'Brush',
  shortcut: 'b',
  hint: 'paint the active class; [ and ] change the size',
  initial: 'idle',
  states: { idle: brushIdle, painting: brushPainting(false) },
};
