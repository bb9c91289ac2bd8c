import { ApiError } from '../../../shared';
import type { DeletePlan } from '../../../shared/api/methods/manage';
import { printLine } from '../output';

/** A delete plan as lines: what goes (with counts), what stays, and why it is refused now if it is. */
export function printPlan(plan: DeletePlan): void {
  printLine(`deleting ${plan.kind} "${plan.name}" removes:`);
  const width = Math.max(...plan.goes.map((g) => String(g.count).length));
  for (const g of plan.goes) printLine(`  ${String(g.count).padStart(width)}  ${g.label}`);
  for (const k of plan.keeps) printLine(`kept: ${k}`);
}

/** Without --yes a delete only shows its plan and exits 1; with it, it deletes (refused while a job runs on it). */
export function requireYes(plan: DeletePlan, yes: boolean | undefined, again: string): void {
  if (plan.blockedBy !== null) throw new ApiError('CONFLICT', `${plan.kind} "${plan.name}" cannot be deleted now: ${plan.blockedBy}`);
  if (yes !== true) throw new ApiError('INVALID_INPUT', `nothing deleted: run "${again} --yes" to delete ${plan.kind} "${plan.name}"`);
}

/** A colour as #rrggbb, rrggbb or r,g,b (0-255 each). */
export function parseColor(text: string): [number, number, number] {
  const t = text.trim();
  const hex = /^#?([0-9a-f]{6})$/i.exec(t);
  if (hex !== null) {
    const v = Number.parseInt(hex[1] as string, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const parts = t.split(',').map((p) => p.trim());
  if (parts.length === 3 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255))
    return parts.map(Number) as [number, number, number];
  throw new ApiError('INVALID_INPUT', `colour "${text}" is not #rrggbb or r,g,b with values 0-255`);
}

export function colorHex(rgb: readonly number[]): string {
  return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Shell-quotes a name for a command line we print (only when it needs it). */
export function shellArg(s: string): string {
  return /^[\w.@%+=:,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
