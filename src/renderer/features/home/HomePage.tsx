import { useQueries, useQuery } from '@tanstack/react-query';
import type { DatasetSummary, RunSummary } from '../../../shared';
import { runDisplayName } from '../../../shared/domain/runLabel';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { routeHref } from '../../router';
import './home.css';

/** What the demo's datasets are for, two lines each (`tessera init --demo`). */
const DEMO_TEXT: Record<string, [string, string]> = {
  'demo-scenes': [
    'Synthetic scenes with exact masks, so every score can be checked by hand.',
    'Open an image for TP/FP/FN against ground truth, the CAM threshold and patch tokens; Benchmarks has mIoU per run and class.',
  ],
  'demo-referring': [
    'Referring segmentation: each image has text queries with one target mask each.',
    'A <SEG>-token toy run shows its similarity map, the SasP point prompts and the decoded mask (gIoU/cIoU on Benchmarks).',
  ],
  'demo-photos': [
    'The sample photos, without ground truth.',
    'For looking at what models see: heatmaps, CAMs and token sets of the toy runs over real images.',
  ],
};

function taskWords(task: string): string {
  if (task === 'semantic') return 'semantic segmentation';
  if (task === 'referring') return 'referring / reasoning segmentation';
  return 'no ground truth';
}

/** Two lines about a dataset: the demo's own words, or what it holds. */
export function datasetLines(d: DatasetSummary, runs: readonly RunSummary[]): [string, string] {
  const demo = DEMO_TEXT[d.name];
  if (demo !== undefined) return demo;
  const samples = d.sampleCount !== d.imageCount ? `, ${d.sampleCount} samples` : '';
  return [
    `${d.format.toUpperCase()} import, ${taskWords(d.task)}: ${d.imageCount} images${samples}, ${d.annotatedImageCount} with ground truth, ${d.classCount} classes.`,
    runs.length === 0
      ? 'No runs yet: run a model from Models or import predictions.'
      : `${runs.length} run${runs.length === 1 ? '' : 's'}; open an image to look at them, Benchmarks to score them.`,
  ];
}

function DatasetCard({ d, runs }: { d: DatasetSummary; runs: readonly RunSummary[] }): React.JSX.Element {
  const page = useQuery(apiQuery('images.page', { datasetId: d.id, offset: 0, limit: 4 }));
  const [first, second] = datasetLines(d, runs);
  const latest = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 3);
  return (
    <article className="home-card" data-testid="home-dataset" data-dataset={d.name}>
      <h3>{d.name}</h3>
      <p className="home-lines" data-testid="home-lines">
        {first}
        <br />
        {second}
      </p>
      <div className="home-thumbs">
        {(page.data?.items ?? []).map((img, i) => (
          // A fixed accessible name: tests and screen readers find datasets by name, never a thumbnail.
          <a key={img.id} href={routeHref({ page: 'viewer', imageId: img.id })} aria-label={`thumbnail ${i + 1}`} title={img.fileName}>
            <img data-testid="home-thumb" alt="" src={client.blobUrl({ kind: 'thumb', imageId: img.id })} />
          </a>
        ))}
      </div>
      <div className="home-runs small">
        {latest.length === 0 ? (
          <span className="muted">no runs</span>
        ) : (
          <>
            <span className="muted">Latest runs: </span>
            {latest.map((r, i) => (
              <span key={r.id} data-testid="home-run">
                {i > 0 ? ', ' : ''}
                {runDisplayName(r)}
                <span className="muted"> ({r.status})</span>
              </span>
            ))}
          </>
        )}
      </div>
      <div className="home-links">
        <a className="button" href={routeHref({ page: 'gallery', datasetId: d.id })}>
          Gallery
        </a>
        {d.task !== 'unlabelled' && runs.length > 0 ? (
          <a className="button" href={routeHref({ page: 'benchmarks', datasetId: d.id })}>
            Benchmarks
          </a>
        ) : null}
        {runs.length >= 2 ? (
          <a className="button" href={routeHref({ page: 'compare', datasetId: d.id, imageId: null, runA: null, runB: null })}>
            Compare runs
          </a>
        ) : null}
      </div>
    </article>
  );
}

/** The landing page's top: what each dataset is, a few thumbnails and its latest runs (the datasets table follows). */
export function HomeIntro(): React.JSX.Element | null {
  const datasets = useQuery(apiQuery('datasets.list', {}));
  const list = datasets.data ?? [];
  const runs = useQueries({ queries: list.map((d) => apiQuery('runs.list', { datasetId: d.id })) });
  if (list.length === 0) return null;
  return (
    <section className="home" data-testid="home">
      <p className="home-intro">
        Tessera: look at masks, CAMs and token heatmaps, correct ground truth, and score runs as the papers define them.
      </p>
      <div className="home-cards">
        {list.map((d, i) => (
          <DatasetCard key={d.id} d={d} runs={runs[i]?.data ?? []} />
        ))}
      </div>
    </section>
  );
}

/** Any route Tessera does not know. */
export function NotFoundPage({ hash }: { hash: string }): React.JSX.Element {
  return (
    <section className="not-found" data-testid="not-found">
      <h2>Not found</h2>
      <p>
        There is no page at <code>{hash}</code>. <a href={routeHref({ page: 'datasets' })}>Go to the datasets</a>.
      </p>
    </section>
  );
}
