import type { ToolDefinition } from '../Tool';
import { promptIdle } from './Idle';
import { promptPrompting } from './Prompting';

export const promptTool: ToolDefinition = {
  id: 'prompt',
  label: 'Prompt',
  shortcut: 's',
  hint: 'click the object (Shift, Alt or right click: not the object); a model proposes a mask; Enter accepts it with the active class',
  initial: 'idle',
  states: { idle: promptIdle, prompting: promptPrompting },
};
