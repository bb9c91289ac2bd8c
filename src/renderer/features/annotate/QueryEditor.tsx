import { useState } from 'react';
import type { QuerySample } from '../../../shared/api/methods/annotations';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

function QueryRow({ sample }: { sample: QuerySample }): React.JSX.Element {
  const [text, setText] = useState(sample.query);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const original = sample.queries.filter((q) => q !== sample.query);
  return (
    <li>
      <textarea data-testid={`query-${sample.sampleId}`} rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      <button
        data-testid={`save-query-${sample.sampleId}`}
        disabled={saving || text.trim() === sample.query || text.trim() === ''}
        onClick={() => {
          setSaving(true);
          setError(null);
          client
            .call('samples.setQuery', { sampleId: sample.sampleId, query: text })
            .catch(setError)
            .finally(() => setSaving(false));
        }}
      >
        Save query
      </button>
      {original.length > 0 ? <p className="muted">imported: {original.map((q) => `“${q}”`).join(' · ')}</p> : null}
      {error !== null ? <ErrorBanner error={error} /> : null}
    </li>
  );
}

/** The text queries of the image's reasoning / referring samples, editable; the imported wording stays listed. */
export function QueryEditor({ samples }: { samples: readonly QuerySample[] }): React.JSX.Element | null {
  if (samples.length === 0) return null;
  return (
    <>
      <h3>Queries</h3>
      <ul className="annotate-queries">
        {samples.map((s) => (
          <QueryRow key={`${s.sampleId}:${s.query}`} sample={s} />
        ))}
      </ul>
    </>
  );
}
