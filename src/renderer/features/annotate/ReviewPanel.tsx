import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ImageReviewState } from '../../../shared';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

const STATES: ReadonlyArray<{ state: ImageReviewState; label: string }> = [
  { state: 'unreviewed', label: 'Unreviewed' },
  { state: 'in-review', label: 'In review' },
  { state: 'reviewed', label: 'Reviewed' },
  { state: 'rejected', label: 'Rejected' },
];

/** Review state and tags of the image, through images.setReviewState and tags.apply / tags.remove. */
export function ReviewPanel({
  imageId,
  reviewState,
  tags,
}: {
  imageId: number;
  reviewState: ImageReviewState;
  tags: readonly string[];
}): React.JSX.Element {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [tag, setTag] = useState('');
  const run = (work: () => Promise<unknown>): void => {
    setError(null);
    work()
      .then(() => queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'images.get' }))
      .catch(setError);
  };
  return (
    <>
      <h3>Review</h3>
      <div className="annotate-review" role="group" aria-label="Review state">
        {STATES.map((s) => (
          <button
            key={s.state}
            data-testid={`review-${s.state}`}
            aria-pressed={reviewState === s.state}
            className={reviewState === s.state ? 'active' : ''}
            onClick={() => run(() => client.call('images.setReviewState', { imageIds: [imageId], state: s.state }))}
          >
            {s.label}
          </button>
        ))}
      </div>
      <h3>Tags</h3>
      <ul className="annotate-tags" data-testid="tags">
        {tags.map((t) => (
          <li key={t}>
            {t}{' '}
            <button aria-label={`remove tag ${t}`} onClick={() => run(() => client.call('tags.remove', { tag: t, imageIds: [imageId] }))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        className="annotate-tag-form"
        onSubmit={(e) => {
          e.preventDefault();
          const name = tag.trim();
          if (name === '') return;
          run(async () => {
            await client.call('tags.apply', { tag: name, imageIds: [imageId] });
            setTag('');
          });
        }}
      >
        <input data-testid="tag-input" placeholder="add a tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      {error !== null ? <ErrorBanner error={error} /> : null}
    </>
  );
}
