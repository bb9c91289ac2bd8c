import type { ToolDefinition, ToolId } from './Tool';
import { brushTool } from './brush';
import { eraserTool } from './eraser';
import { polygonTool } from './polygon';
import { fillTool } from './fill';
import { pickerTool } from './picker';
import { promptTool } from './prompt';
import { copyTool } from './copy';

/** Every annotation tool, in toolbar order. A new tool is a folder plus one line here. */
export const TOOLS: readonly ToolDefinition[] = [brushTool, eraserTool, polygonTool, fillTool, pickerTool, promptTool, copyTool];

export function toolById(id: ToolId): ToolDefinition {
  const tool = TOOLS.find((t) => t.id === id);
  if (tool === undefined) throw new Error(`unknown tool ${id}`);
  return tool;
}
