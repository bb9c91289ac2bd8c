/** The middle value (the upper one of an even count), without changing `xs`. */
export function median(xs: readonly number[]): number {
  return xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
}
