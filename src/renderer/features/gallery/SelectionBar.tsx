import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { ImageReviewState } from '../../../shared';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

/** Actions on the selected images: apply or remove a tag (evaluation subsets), set the review state. */
export function SelectionBar(p: { selected: readonly number[]; onClear(): void; onSelectAll(): void; total: number }): React.JSX.Element {
  const [tag, setTag] = useState('');
  const [review, setReview] = useState<ImageReviewState>('reviewed');
  const [done, setDone] = useState('');
  const action = useMutation({
    mutationFn: async (kind: 'apply' | 'remove' | 'review') => {
      if (kind === 'apply') return `tagged ${(await client.call('tags.apply', { tag: tag.trim(), imageIds: [...p.selected] })).applied}`;
      if (kind === 'remove')
        return `untagged ${(await client.call('tags.remove', { tag: tag.trim(), imageIds: [...p.selected] })).removed}`;
      return `marked ${(await client.call('images.setReviewState', { imageIds: [...p.selected], state: review })).updated} ${review}`;
    },
    onSuccess: (message) => setDone(message),
  });
  const noTag = tag.trim() === '';
  return (
    <div className="selection-bar" data-testid="selection-bar">
      <span data-testid="selection-count">{p.selected.length} selected</span>
      <button onClick={p.onSelectAll} data-testid="select-all">
        Select all {p.total}
      </button>
      <button onClick={p.onClear} disabled={p.selected.length === 0}>
        Clear
      </button>
      <input data-testid="tag-input" placeholder="tag" value={tag} onChange={(e) => setTag(e.target.value)} list="known-tags" />
      <button
        data-testid="tag-apply"
        disabled={noTag || p.selected.length === 0 || action.isPending}
        onClick={() => action.mutate('apply')}
      >
        Apply tag
      </button>
      <button
        data-testid="tag-remove"
        disabled={noTag || p.selected.length === 0 || action.isPending}
        onClick={() => action.mutate('remove')}
      >
        Remove tag
      </button>
      <select data-testid="review-select" value={review} onChange={(e) => setReview(e.target.value as ImageReviewState)}>
        {(['unreviewed', 'in-review', 'reviewed', 'rejected'] as const).map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <button data-testid="review-apply" disabled={p.selected.length === 0 || action.isPending} onClick={() => action.mutate('review')}>
        Set review state
      </button>
      <span className="muted" data-testid="selection-result">
        {done}
      </span>
      {action.error ? <ErrorBanner error={action.error} /> : null}
    </div>
  );
}
