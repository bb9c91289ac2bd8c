import { useEffect, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';

/** A name with a Rename button that turns into an input (Enter saves, Escape cancels); errors show beside it. */
export function RenameInline({
  value,
  onRename,
  testId,
  children,
  editing: controlled,
  onEditingChange,
}: {
  value: string;
  onRename: (name: string) => Promise<unknown>;
  testId: string;
  children?: React.ReactNode;
  /** Controlled mode: the caller shows its own Rename button elsewhere (a table's actions column). */
  editing?: boolean;
  onEditingChange?: (editing: boolean) => void;
}): React.JSX.Element {
  const [own, setOwn] = useState(false);
  const editing = controlled ?? own;
  const setEditing = (e: boolean): void => (onEditingChange === undefined ? setOwn(e) : onEditingChange(e));
  const [draft, setDraft] = useState(value);
  const save = useMutation({ mutationFn: (name: string) => onRename(name), onSuccess: () => setEditing(false) });
  useEffect(() => {
    if (editing) setDraft(value);
  }, [editing, value]);
  if (!editing && controlled !== undefined) return <>{children ?? value}</>;
  if (!editing) {
    return (
      <span className="rename-inline">
        {children ?? value}{' '}
        <button
          type="button"
          className="link-button small"
          data-testid={`${testId}-rename`}
          title="Rename"
          onClick={() => {
            setDraft(value);
            save.reset();
            setEditing(true);
          }}
        >
          Rename
        </button>
      </span>
    );
  }
  return (
    <span className="rename-inline">
      <input
        autoFocus
        data-testid={`${testId}-name-input`}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') save.mutate(draft);
          if (e.key === 'Escape') setEditing(false);
        }}
      />
      <button type="button" data-testid={`${testId}-rename-save`} disabled={save.isPending} onClick={() => save.mutate(draft)}>
        Save
      </button>
      <button type="button" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {save.error ? <ErrorBanner error={save.error} /> : null}
    </span>
  );
}
