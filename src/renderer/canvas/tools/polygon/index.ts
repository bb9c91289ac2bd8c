import type { ToolDefinition } from '../Tool';
import { polygonDrawing } from './Drawing';
import { polygonIdle } from './Idle';

export const polygonTool: ToolDefinition = {
  id: 'polygon',
  label: 'Polygon',
  shortcut: 'p',
  hint: 'click vertices; click the first one, press Enter or double-click to fill; Backspace removes a vertex',
  initial: 'idle',
  states: { idle: polygonIdle, drawing: polygonDrawing },
};
