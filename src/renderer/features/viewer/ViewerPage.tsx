import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';
import { Viewer, type LayerState } from '../../canvas/Viewer';
import { LayerControl } from './LayerControl';

async function fetchLabelMap(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, { signal, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`mask could not be loaded (${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

export function ViewerPage({ imageId }: { imageId: number }): React.JSX.Element {
  const detail = useQuery(apiQuery('images.get', { imageId }));
  const gtRef = detail.data?.groundTruth ?? null;
  const gtUrl = gtRef === null ? null : client.blobUrl(gtRef);
  const gt = useQuery({
    queryKey: ['blob', gtUrl],
    queryFn: ({ signal }) => fetchLabelMap(gtUrl as string, signal),
    enabled: gtUrl !== null,
    staleTime: Infinity,
  });
  const [layers, setLayers] = useState<{ image: LayerState; gt: LayerState }>({
    image: { visible: true, opacity: 1 },
    gt: { visible: true, opacity: 0.6 },
  });
  const [command, setCommand] = useState<{ kind: 'fit' | 'actual'; seq: number }>({ kind: 'fit', seq: 0 });
  const [hover, setHover] = useState<{ x: number; y: number; label: number | null } | null>(null);

  if (detail.error) return <ErrorBanner error={detail.error} />;
  if (detail.isPending) return <p className="muted">Loading image…</p>;
  const img = detail.data;
  const className = (label: number | null): string =>
    label === null ? '' : label === 255 ? 'ignore (255)' : (img.classes.find((c) => c.index === label)?.name ?? `class ${label}`);

  return (
    <section className="viewer">
      <header className="page-header">
        <a href={routeHref({ page: 'gallery', datasetId: img.datasetId })}>Gallery</a> / <h2>{img.fileName}</h2>
        <span className="muted">
          {img.width}×{img.height}
        </span>
      </header>
      <div className="viewer-body">
        <aside className="layers-panel" aria-label="Layers">
          <h3>Layers</h3>
          <LayerControl id="image" label="Image" state={layers.image} onChange={(s) => setLayers({ ...layers, image: s })} />
          <LayerControl
            id="gt"
            label="Ground truth"
            disabled={img.groundTruth === null}
            state={layers.gt}
            onChange={(s) => setLayers({ ...layers, gt: s })}
          />
          <div className="view-buttons">
            <button data-testid="fit" onClick={() => setCommand({ kind: 'fit', seq: command.seq + 1 })}>
              Fit
            </button>
            <button data-testid="actual-size" onClick={() => setCommand({ kind: 'actual', seq: command.seq + 1 })}>
              1:1
            </button>
          </div>
          {img.classes.length > 0 ? (
            <>
              <h3>Classes</h3>
              <ul className="legend">
                {img.classes.map((c) => (
                  <li key={c.index}>
                    <span className="swatch" style={{ background: `rgb(${c.color.join(',')})` }} /> {c.index} {c.name}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <h3>Inspector</h3>
          <p className="inspector" data-testid="inspector">
            {hover === null ? '—' : `x ${hover.x}, y ${hover.y}${hover.label === null ? '' : ` · ${className(hover.label)}`}`}
          </p>
          {gt.error ? <ErrorBanner error={gt.error} /> : null}
        </aside>
        <Viewer
          imageUrl={client.blobUrl(img.image)}
          width={img.width}
          height={img.height}
          classes={img.classes}
          groundTruth={gt.data ?? null}
          layers={layers}
          command={command}
          onHover={setHover}
        />
      </div>
    </section>
  );
}
