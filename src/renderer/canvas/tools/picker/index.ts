import type { ToolDefinition } from '../Tool';
import { pickerIdle } from './Idle';

export const pickerTool: ToolDefinition = {
  id: 'picker',
  label: 'Pick class',
  shortcut: 'i',
  hint: 'click a pixel to make its class the active one',
  initial: 'idle',
  states: { idle: pickerIdle },
};
