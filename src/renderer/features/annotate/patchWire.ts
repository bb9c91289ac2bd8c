import { zlibSync } from 'fflate';
import type { MaskPatch } from '../../canvas/tools/history/maskPatch';
import type { MaskPatch as WirePatch } from '../../../shared/api/methods/annotations';

function base64(bytes: Uint8Array): string {
  let s = '';
  // String.fromCharCode over chunks: one call per byte would be slow, one call for all overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A canvas patch -> the contract's patch: both sides zlib-deflated (label patches shrink ~100x), base64. */
export function toWirePatch(p: MaskPatch): WirePatch {
  return {
    x: p.x,
    y: p.y,
    w: p.w,
    h: p.h,
    before: { deflate: base64(zlibSync(p.before)) },
    after: { deflate: base64(zlibSync(p.after)) },
  };
}
