import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

/**
 * Above the canvas of a dataset without classes: painting is locked (the engine would refuse every
 * stroke), and this says so and adds classes in place (`classes.add`: background at 0 first, then the
 * name typed at 1, ...). Once the dataset has a class the page unlocks painting.
 */
export function AddClassesBanner({ datasetId }: { datasetId: number }): React.JSX.Element {
  const [name, setName] = useState('');
  const queryClient = useQueryClient();
  const add = useMutation({
    mutationFn: (n: string) => client.call('classes.add', { datasetId, classes: [{ name: n }] }),
    onSuccess: async () => {
      setName('');
      await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'images.get' || q.queryKey[0] === 'classes.list' });
    },
  });
  return (
    <div className="annotate-no-classes" role="alert" data-testid="no-classes">
      <p>
        <strong>This dataset has no classes yet, so painting is off</strong>: a stroke could not be saved. Add the classes you will paint
        (background is added first), or manage them under <a href="#/datasets">Datasets</a> → Classes &amp; runs…
      </p>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() !== '') add.mutate(name.trim());
        }}
      >
        <input
          data-testid="no-classes-name"
          aria-label="new class name"
          placeholder="class name, e.g. cell"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" data-testid="no-classes-add" disabled={name.trim() === '' || add.isPending}>
          Add class
        </button>
      </form>
      {add.error !== null ? <ErrorBanner error={add.error} /> : null}
    </div>
  );
}
