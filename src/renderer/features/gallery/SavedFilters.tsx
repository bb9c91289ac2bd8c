import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { ImageFilter } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

/** Named gallery filters (saved subsets) of a dataset: apply one, save the current one, delete. */
export function SavedFilters(props: { datasetId: number; filter: ImageFilter; onApply(f: ImageFilter): void }): React.JSX.Element {
  const saved = useQuery(apiQuery('filters.list', { datasetId: props.datasetId }));
  const [name, setName] = useState('');
  const save = useMutation({
    mutationFn: () => client.call('filters.save', { datasetId: props.datasetId, name, filter: props.filter }),
    onSuccess: () => setName(''),
  });
  const remove = useMutation({ mutationFn: (id: number) => client.call('filters.delete', { id }) });
  const list = saved.data ?? [];
  return (
    <div className="saved-filters">
      <label>
        Saved filters
        <select
          data-testid="saved-filter-select"
          value=""
          onChange={(e) => {
            const hit = list.find((f) => String(f.id) === e.target.value);
            if (hit !== undefined) props.onApply(hit.filter);
          }}
        >
          <option value="">{list.length === 0 ? 'none yet' : 'apply…'}</option>
          {list.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </select>
      </label>
      <input data-testid="saved-filter-name" placeholder="name this filter" value={name} onChange={(e) => setName(e.target.value)} />
      <button
        data-testid="saved-filter-save"
        disabled={name.trim() === '' || Object.keys(props.filter).length === 0}
        onClick={() => save.mutate()}
      >
        Save
      </button>
      {list.map((f) => (
        <button key={f.id} className="chip" title={`delete saved filter ${f.name}`} onClick={() => remove.mutate(f.id)}>
          {f.name} ×
        </button>
      ))}
      {save.error ? <ErrorBanner error={save.error} /> : null}
    </div>
  );
}
