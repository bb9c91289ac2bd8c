import { useMutation, useQuery } from '@tanstack/react-query';
import type { DeletePlan } from '../../../shared/api/methods/manage';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';

export type DeleteTarget = { kind: 'dataset'; id: number } | { kind: 'run'; id: number } | { kind: 'model'; id: number };

const dialogStyle: React.CSSProperties = {
  position: 'fixed',
  inset: '12% auto auto 50%',
  transform: 'translateX(-50%)',
  width: 480,
  maxHeight: '76vh',
  overflow: 'auto',
  background: 'var(--panel)',
  border: '1px solid var(--line)',
  borderRadius: 8,
  padding: 16,
  zIndex: 20,
  boxShadow: '0 8px 32px rgba(0,0,0,0.5)',
};

function fetchPlan(target: DeleteTarget): Promise<DeletePlan> {
  switch (target.kind) {
    case 'dataset':
      return client.call('datasets.deletePlan', { datasetId: target.id });
    case 'run':
      return client.call('runs.deletePlan', { runId: target.id });
    case 'model':
      return client.call('models.deletePlan', { modelId: target.id });
  }
}

async function carryOut(target: DeleteTarget): Promise<unknown> {
  switch (target.kind) {
    case 'dataset':
      return client.call('datasets.delete', { datasetId: target.id });
    case 'run':
      return client.call('runs.delete', { runId: target.id });
    case 'model':
      return client.call('models.delete', { modelId: target.id });
  }
}

/** What a plan removes, one line per kind of stored thing (things with a zero count are left out). */
export function planLines(plan: DeletePlan): string[] {
  return plan.goes.filter((g) => g.count > 0).map((g) => `${g.count.toLocaleString('en-US')} ${g.label}`);
}

/**
 * The confirmation of a delete: the engine's dry-run plan (what goes, what stays, or why it cannot
 * go now), then Delete. Nothing is removed until Delete is pressed.
 */
export function ConfirmDelete({ target, onClose, onDeleted }: { target: DeleteTarget; onClose: () => void; onDeleted?: () => void }) {
  const plan = useQuery({
    queryKey: ['deletePlan', target.kind, target.id],
    queryFn: () => fetchPlan(target),
    staleTime: 0,
    gcTime: 0,
  });
  const del = useMutation({
    mutationFn: () => carryOut(target),
    onSuccess: () => {
      onDeleted?.();
      onClose();
    },
  });
  const p = plan.data;
  return (
    <div role="dialog" aria-modal="true" aria-label={`Delete ${target.kind}`} style={dialogStyle} data-testid="confirm-delete">
      {plan.error ? <ErrorBanner error={plan.error} /> : null}
      {p === undefined ? (
        <p className="muted">Counting what would be deleted…</p>
      ) : (
        <>
          <h3 style={{ marginTop: 0 }}>
            Delete {p.kind} “{p.name}”?
          </h3>
          <p>This removes:</p>
          <ul data-testid="delete-goes">
            {planLines(p).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {p.keeps.length > 0 ? (
            <ul className="muted small" data-testid="delete-keeps">
              {p.keeps.map((k) => (
                <li key={k}>Kept: {k}</li>
              ))}
            </ul>
          ) : null}
          {p.blockedBy !== null ? (
            <p className="error" data-testid="delete-blocked">
              Cannot delete now: {p.blockedBy}
            </p>
          ) : null}
          <p className="muted small">This cannot be undone.</p>
        </>
      )}
      {del.error ? <ErrorBanner error={del.error} /> : null}
      <div className="form-row" style={{ justifyContent: 'flex-end' }}>
        <button type="button" onClick={onClose} data-testid="delete-cancel">
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          data-testid="delete-confirm"
          disabled={p === undefined || p.blockedBy !== null || del.isPending}
          onClick={() => del.mutate()}
        >
          {del.isPending ? 'Deleting…' : `Delete ${target.kind}`}
        </button>
      </div>
    </div>
  );
}
