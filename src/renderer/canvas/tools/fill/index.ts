import type { ToolDefinition } from '../Tool';
import { fillIdle } from './Idle';

export const fillTool: ToolDefinition = {
  id: 'fill',
  label: 'Fill',
  shortcut: 'f',
  hint: 'click an area to fill it with the active class',
  initial: 'idle',
  states: { idle: fillIdle },
};
