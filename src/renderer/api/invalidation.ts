/**
 * Which cached queries an engine `data.changed` event makes stale. Query keys are [method, input]
 * (queries.ts); a topic names the methods of its prefix (`tags` -> `tags.list`, ...). Some methods
 * also read data of another topic, and are listed here with it:
 *  - tags (and review states, announced with them) decide the subsets: the subset list and every
 *    metrics read over a subset (a Benchmarks page left open kept its old subset after a tag);
 *  - annotations are the ground truth every score is counted against: every metrics read.
 * The per-image score list of a whole dataset (the score-sorted gallery) depends on no tag, so a tag
 * applied from that gallery does not fetch it again.
 */
export function staleAfter(topics: readonly string[], queryKey: readonly unknown[]): boolean {
  if (topics.includes('*')) return true;
  const method = String(queryKey[0]);
  if (topics.some((t) => method.startsWith(`${t}.`))) return true;
  if (!method.startsWith('metrics.')) return false;
  if (topics.includes('annotations')) return true;
  if (topics.includes('tags')) return method === 'metrics.subsets' || hasSubset(queryKey[1]);
  return false;
}

function hasSubset(input: unknown): boolean {
  return typeof input === 'object' && input !== null && typeof (input as { subset?: unknown }).subset === 'string';
}
