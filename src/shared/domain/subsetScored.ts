/**
 * The one line for a subset tag that marks images of the dataset none of which a run (or, for a
 * comparison, both runs) is scored on: eval, compare and report printed "on 0 images" and empty tables
 * with exit 0. A tag that marks no image of the dataset at all is refused earlier, in other words
 * (store/repos/metricRows.ts checkSubsetInDataset).
 */
export function noneScoredInSubset(tag: string, dataset: string, runs: readonly string[], unit: 'image' | 'query'): string {
  const units = unit === 'query' ? 'queries' : 'images';
  const who = runs.length === 1 ? `run "${runs[0]}" is` : `runs ${runs.map((r) => `"${r}"`).join(' and ')} are`;
  const scored = runs.length === 1 ? 'scored on none of them' : 'not both scored on any of them';
  return `tag "${tag}" marks ${units} of dataset "${dataset}", but ${who} ${scored} (a run is scored on the ${units} with ground truth that it covers: not those left out of a run started on a subset or not reached yet by an unfinished one): tag ${units} the runs cover, or score without --subset`;
}
