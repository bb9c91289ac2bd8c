import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { ClassInfo, Rgb } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

const hex = (c: readonly number[]): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const rgb = (h: string): Rgb => [
  Number.parseInt(h.slice(1, 3), 16),
  Number.parseInt(h.slice(3, 5), 16),
  Number.parseInt(h.slice(5, 7), 16),
];

function ClassRow({ datasetId, cls, onError }: { datasetId: number; cls: ClassInfo; onError: (e: unknown) => void }) {
  const [name, setName] = useState(cls.name);
  const update = useMutation({
    mutationFn: (patch: { name?: string; color?: Rgb }) => client.call('classes.update', { datasetId, index: cls.index, ...patch }),
    onError: (e) => {
      setName(cls.name);
      onError(e);
    },
    onSuccess: () => onError(null),
  });
  const commitName = (): void => {
    if (name.trim() !== cls.name && name.trim() !== '') update.mutate({ name: name.trim() });
    else setName(cls.name);
  };
  return (
    <tr data-testid="class-row" data-index={cls.index}>
      <td className="muted">{cls.index}</td>
      <td>
        <input
          type="color"
          aria-label={`colour of ${cls.name}`}
          data-testid="class-color"
          value={hex(cls.color)}
          onChange={(e) => update.mutate({ color: rgb(e.target.value) })}
        />
      </td>
      <td>
        <input
          aria-label={`name of class ${cls.index}`}
          data-testid="class-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onBlur={commitName}
          onKeyDown={(e) => {
            if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
            if (e.key === 'Escape') setName(cls.name);
          }}
        />
      </td>
    </tr>
  );
}

/**
 * A dataset's classes: rename (Enter or leaving the field saves), recolour with a colour picker, and
 * add classes (an unlabelled dataset gets background at 0 first). Placeholder names from folder
 * imports ("class 1", ...) are meant to be edited here.
 */
export function ClassesPanel({ datasetId, task }: { datasetId: number; task: string }): React.JSX.Element {
  const classes = useQuery(apiQuery('classes.list', { datasetId }));
  const [newName, setNewName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const add = useMutation({
    mutationFn: (name: string) => client.call('classes.add', { datasetId, classes: [{ name }] }),
    onSuccess: () => {
      setNewName('');
      setError(null);
    },
    onError: (e) => setError(e),
  });
  if (task === 'referring') return <p className="muted">A referring dataset has one mask per query, no classes.</p>;
  const list = classes.data ?? [];
  return (
    <div className="classes-panel" data-testid="classes-panel">
      <h4>Classes</h4>
      {list.length === 0 ? <p className="muted">No classes yet: add the ones you will paint.</p> : null}
      <table className="datasets">
        <tbody>
          {list.map((c) => (
            <ClassRow key={`${c.index}:${c.name}:${hex(c.color)}`} datasetId={datasetId} cls={c} onError={setError} />
          ))}
        </tbody>
      </table>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (newName.trim() !== '') add.mutate(newName.trim());
        }}
      >
        <input data-testid="class-add-name" placeholder="new class name" value={newName} onChange={(e) => setNewName(e.target.value)} />
        <button type="submit" data-testid="class-add" disabled={newName.trim() === '' || add.isPending}>
          Add class
        </button>
      </form>
      {error !== null && error !== undefined ? <ErrorBanner error={error} /> : null}
    </div>
  );
}
