import type { ClassInfo, ImageFilter, ImageReviewState, RunSummary } from '../../../shared';
import type { GallerySort } from './galleryItems';
import type { TileOverlay } from './galleryView';

const REVIEW_STATES: readonly ImageReviewState[] = ['unreviewed', 'in-review', 'reviewed', 'rejected'];

export interface FilterBarProps {
  filter: ImageFilter;
  onFilter(f: ImageFilter): void;
  sort: GallerySort;
  onSort(s: GallerySort): void;
  tags: readonly string[];
  classes: readonly ClassInfo[];
  runs: readonly RunSummary[];
  /** metrics.perImage is in the contract: offer score order per run. */
  scoresAvailable: boolean;
  overlay: TileOverlay;
  onOverlay(o: TileOverlay): void;
}

function without<K extends keyof ImageFilter>(f: ImageFilter, key: K): ImageFilter {
  const next = { ...f };
  delete next[key];
  return next;
}

/** Gallery filters (tag, review state, ground truth, class present, run), sort order and the tile overlay. */
export function FilterBar(p: FilterBarProps): React.JSX.Element {
  const set = <K extends keyof ImageFilter>(key: K, value: ImageFilter[K] | undefined): void =>
    p.onFilter(value === undefined ? without(p.filter, key) : { ...p.filter, [key]: value });
  const sortValue = p.sort.by === 'name' ? 'name' : `${p.sort.order}:${p.sort.runId}`;
  return (
    <div className="filter-bar" role="search">
      <label>
        Tag
        <select
          data-testid="filter-tag"
          value={p.filter.tag ?? ''}
          onChange={(e) => set('tag', e.target.value === '' ? undefined : e.target.value)}
        >
          <option value="">any</option>
          {p.tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Review
        <select
          data-testid="filter-review"
          value={p.filter.reviewState ?? ''}
          onChange={(e) => set('reviewState', e.target.value === '' ? undefined : (e.target.value as ImageReviewState))}
        >
          <option value="">any</option>
          {REVIEW_STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Ground truth
        <select
          data-testid="filter-gt"
          value={p.filter.hasGroundTruth === undefined ? '' : String(p.filter.hasGroundTruth)}
          onChange={(e) => set('hasGroundTruth', e.target.value === '' ? undefined : e.target.value === 'true')}
        >
          <option value="">any</option>
          <option value="true">with</option>
          <option value="false">without</option>
        </select>
      </label>
      <label>
        Class present
        <select
          data-testid="filter-class"
          value={p.filter.classPresent ?? ''}
          onChange={(e) => set('classPresent', e.target.value === '' ? undefined : Number(e.target.value))}
        >
          <option value="">any</option>
          {p.classes.map((c) => (
            <option key={c.index} value={c.index}>
              {c.index} {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Run
        <select
          data-testid="filter-run"
          value={p.filter.runId ?? ''}
          onChange={(e) => set('runId', e.target.value === '' ? undefined : Number(e.target.value))}
        >
          <option value="">any</option>
          {p.runs.map((r) => (
            <option key={r.id} value={r.id}>
              has results of {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort
        <select
          data-testid="sort"
          value={sortValue}
          onChange={(e) => {
            const [order, run] = e.target.value.split(':');
            p.onSort(
              e.target.value === 'name' ? { by: 'name' } : { by: 'score', runId: Number(run), order: order === 'desc' ? 'desc' : 'asc' },
            );
          }}
        >
          <option value="name">file name</option>
          {p.scoresAvailable
            ? p.runs
                .filter((r) => r.hasMasks || (p.sort.by === 'score' && p.sort.runId === r.id))
                .flatMap((r) => [
                  <option key={`asc${r.id}`} value={`asc:${r.id}`}>
                    score of {r.name}, worst first
                  </option>,
                  <option key={`desc${r.id}`} value={`desc:${r.id}`}>
                    score of {r.name}, best first
                  </option>,
                ])
            : null}
        </select>
      </label>
      <label>
        Overlay
        <select
          data-testid="tile-overlay"
          value={p.overlay.kind === 'pred' ? `pred:${p.overlay.runId}` : p.overlay.kind}
          onChange={(e) => {
            const v = e.target.value;
            p.onOverlay(
              v === 'gt' ? { kind: 'gt' } : v.startsWith('pred:') ? { kind: 'pred', runId: Number(v.slice(5)) } : { kind: 'none' },
            );
          }}
        >
          <option value="none">none</option>
          <option value="gt">ground truth</option>
          {p.runs
            .filter((r) => r.hasMasks || (p.overlay.kind === 'pred' && p.overlay.runId === r.id))
            .map((r) => (
              <option key={r.id} value={`pred:${r.id}`}>
                prediction of {r.name}
              </option>
            ))}
        </select>
      </label>
    </div>
  );
}
