import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { client } from '../../api/client';
import { useJob } from '../../api/useJob';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';

/** The methods that start a dataset import: each job ends with an ImportResult. */
type ImportMethod =
  'datasets.importVoc' | 'datasets.importCoco' | 'datasets.importReasonSeg' | 'datasets.importRefCoco' | 'datasets.importFolder';

/** One import format: its label, its path fields (input key -> label) and the call that starts it. */
interface FormatSpec {
  label: string;
  fields: Array<{ key: string; label: string; required: boolean }>;
  method: ImportMethod;
  start(values: Record<string, string | undefined>): Promise<{ jobId: string }>;
}

const NAME = { key: 'name', label: 'Dataset name (optional)', required: false };

const FORMATS: Record<string, FormatSpec> = {
  voc: {
    label: 'PASCAL VOC',
    method: 'datasets.importVoc',
    fields: [
      { key: 'root', label: 'VOC root (JPEGImages, SegmentationClass, ImageSets)', required: true },
      { key: 'split', label: 'Split (optional, e.g. val)', required: false },
      NAME,
    ],
    start: (v) => client.call('datasets.importVoc', { root: v['root'] ?? '', split: v['split'], name: v['name'] }),
  },
  coco: {
    label: 'COCO instances JSON',
    method: 'datasets.importCoco',
    fields: [
      { key: 'annotations', label: 'Instances JSON file', required: true },
      { key: 'imagesDir', label: 'Image folder', required: true },
      NAME,
    ],
    start: (v) =>
      client.call('datasets.importCoco', { annotations: v['annotations'] ?? '', imagesDir: v['imagesDir'] ?? '', name: v['name'] }),
  },
  reasonseg: {
    label: 'ReasonSeg',
    method: 'datasets.importReasonSeg',
    fields: [{ key: 'dir', label: 'ReasonSeg folder (train/ val/ test/)', required: true }, NAME],
    start: (v) => client.call('datasets.importReasonSeg', { dir: v['dir'] ?? '', name: v['name'] }),
  },
  refcoco: {
    label: 'RefCOCO-style refs',
    method: 'datasets.importRefCoco',
    fields: [
      { key: 'refs', label: 'Refs JSON file', required: true },
      { key: 'instances', label: 'COCO instances JSON file', required: true },
      { key: 'imagesDir', label: 'Image folder', required: true },
      { key: 'split', label: 'Split (optional)', required: false },
      NAME,
    ],
    start: (v) =>
      client.call('datasets.importRefCoco', {
        refs: v['refs'] ?? '',
        instances: v['instances'] ?? '',
        imagesDir: v['imagesDir'] ?? '',
        split: v['split'],
        name: v['name'],
      }),
  },
  folder: {
    label: 'Folder of images (+ masks)',
    method: 'datasets.importFolder',
    fields: [
      { key: 'dir', label: 'Image folder', required: true },
      { key: 'masksDir', label: 'Mask folder (optional)', required: false },
      {
        key: 'maskReading',
        label: 'Mask reading (optional): a threshold such as 127 for soft binary masks (JPEG masks too), or reduce-zero-label (ADE20K)',
        required: false,
      },
      NAME,
    ],
    start: (v) =>
      client.call('datasets.importFolder', {
        dir: v['dir'] ?? '',
        masksDir: v['masksDir'],
        name: v['name'],
        ...maskReading(v['maskReading']),
      }),
  },
};

/** The folder import's mask reading field: a threshold, or mmseg's reduce_zero_label (the engine checks the rest). */
function maskReading(value: string | undefined): { maskThreshold?: number; reduceZeroLabel?: boolean } {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return {};
  if (v === 'reduce-zero-label' || v === 'reduce_zero_label') return { reduceZeroLabel: true };
  return { maskThreshold: Number(v) };
}

const dialogStyle: React.CSSProperties = {
  position: 'fixed',
  inset: '10% auto auto 50%',
  transform: 'translateX(-50%)',
  width: 520,
  maxHeight: '80vh',
  overflow: 'auto',
  background: 'var(--panel)',
  border: '1px solid var(--line)',
  borderRadius: 8,
  padding: 16,
  zIndex: 10,
  boxShadow: '0 8px 32px rgba(0,0,0,0.5)',
};
const fieldStyle: React.CSSProperties = { display: 'flex', flexDirection: 'column', gap: 4, marginBottom: 10 };

/** The job's progress, then its result (with the skipped files) or its one clear error. */
function JobStatus({ jobId, method }: { jobId: string; method: ImportMethod }): React.JSX.Element {
  const job = useJob(jobId, method);
  if (job.error) return <ErrorBanner error={job.error} />;
  const state = job.job;
  if (state === undefined) return <p className="muted">Starting…</p>;
  if (job.live) {
    return (
      <div data-testid="import-progress">
        <progress value={state.done} max={Math.max(1, state.total)} style={{ width: '100%' }} />
        <div className="muted">
          {state.stage || 'queued'} {state.total > 0 ? `${state.done}/${state.total}` : ''}
        </div>
      </div>
    );
  }
  if (state.status !== 'succeeded') {
    return (
      <div className="error-banner" role="alert" data-testid="import-error">
        {/* A cancel's message ("cancelled by the user") would only repeat the status. */}
        <strong>Import {state.status}</strong> {state.status === 'cancelled' ? '' : (state.error?.message ?? '')}
      </div>
    );
  }
  const result = job.result;
  if (result === null) return <p>Done.</p>;
  return (
    <div data-testid="import-result">
      <p>
        Imported {result.images} images ({result.annotated} with masks) as <strong>{result.name}</strong>.
      </p>
      {result.skipped.length > 0 ? (
        <details open>
          <summary>Skipped {result.skipped.length} file(s)</summary>
          <ul data-testid="import-skipped">
            {result.skipped.map((s) => (
              <li key={s.file}>
                <code>{s.file}</code>: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {result.notes.length > 0 ? (
        <ul data-testid="import-notes">
          {result.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      {result.orientations.length > 0 ? (
        <details open>
          <summary>{result.orientations.length} image(s) with an EXIF orientation</summary>
          <ul data-testid="import-orientations">
            {result.orientations.map((o) => (
              <li key={o.file}>
                <code>{o.file}</code>: orientation {o.orientation},{' '}
                {o.grid === 'raw' ? 'raw grid (EXIF ignored, as PIL)' : 'oriented grid (EXIF applied, as OpenCV)'} {o.width}x{o.height}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/**
 * Import a dataset from paths on the machine that runs the engine: typed paths in the browser, plus
 * the native picker ("Browse…", through the preload bridge) inside Electron.
 */
export function ImportDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const [format, setFormat] = useState('voc');
  const [values, setValues] = useState<Record<string, string>>({});
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<unknown>(null);
  const spec = FORMATS[format] as FormatSpec;
  // Over `tessera serve` the engine reads only under the folders its operator allowed: say which.
  const info = useQuery(apiQuery('workspace.info', {}));
  const readRoots = info.data?.readRoots ?? null;
  const ready = spec.fields.every((f) => !f.required || (values[f.key] ?? '').trim() !== '');

  async function submit(e: React.FormEvent): Promise<void> {
    e.preventDefault();
    setStartError(null);
    const trimmed = Object.fromEntries(spec.fields.map((f) => [f.key, (values[f.key] ?? '').trim() || undefined]));
    try {
      setJobId((await spec.start(trimmed)).jobId);
    } catch (err) {
      setStartError(err);
    }
  }

  return (
    <div role="dialog" aria-modal="true" aria-label="Import a dataset" style={dialogStyle} data-testid="import-dialog">
      <h3 style={{ marginTop: 0 }}>Import a dataset</h3>
      {readRoots !== null ? (
        <p className="muted" data-testid="import-allowed-roots">
          Paths on the engine machine under{' '}
          {readRoots.map((r, i) => (
            <span key={r}>
              {i > 0 ? ', ' : ''}
              <code>{r}</code>
            </span>
          ))}{' '}
          only (start <code>tessera serve --allow-dir DIR</code> to allow another folder; system folders such as /etc never).
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)}>
        <label style={fieldStyle}>
          Format
          <select data-testid="import-format" value={format} onChange={(e) => setFormat(e.target.value)} disabled={jobId !== null}>
            {Object.entries(FORMATS).map(([key, f]) => (
              <option key={key} value={key}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        {spec.fields.map((f) => (
          <label key={`${format}.${f.key}`} style={fieldStyle}>
            {f.label}
            <input
              data-testid={`import-field-${f.key}`}
              value={values[f.key] ?? ''}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
              placeholder={f.required ? '/path/on/the/engine/machine' : ''}
              disabled={jobId !== null}
              spellCheck={false}
            />
            {window.tessera !== undefined ? (
              <button
                type="button"
                disabled={jobId !== null}
                onClick={() =>
                  void window.tessera?.pickPath(/json/i.test(f.label) ? 'file' : 'folder').then((p) => {
                    if (p !== null) setValues((v) => ({ ...v, [f.key]: p }));
                  })
                }
              >
                Browse…
              </button>
            ) : null}
          </label>
        ))}
        {startError !== null ? <ErrorBanner error={startError} /> : null}
        {jobId !== null ? <JobStatus jobId={jobId} method={spec.method} /> : null}
        <div style={{ display: 'flex', gap: 8, justifyContent: 'flex-end', marginTop: 12 }}>
          {jobId !== null ? (
            <button
              type="button"
              onClick={() => {
                setJobId(null);
                setValues({});
              }}
            >
              Import another
            </button>
          ) : (
            <button type="submit" disabled={!ready} data-testid="import-start">
              Import
            </button>
          )}
          <button type="button" onClick={onClose} data-testid="import-close">
            Close
          </button>
        </div>
      </form>
    </div>
  );
}
