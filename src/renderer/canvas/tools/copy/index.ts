import type { ToolDefinition } from '../Tool';
import { copyIdle } from './Idle';

export const copyTool: ToolDefinition = {
  id: 'copy',
  label: 'Copy region',
  shortcut: 'c',
  hint: 'click a region of the prediction layer to copy it (its class) into the ground truth',
  initial: 'idle',
  states: { idle: copyIdle },
};
