import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { client } from './client';

/** Engine events -> TanStack Query cache. Sockets notify, queries fetch. */
export function EventBridge(): null {
  const queryClient = useQueryClient();
  useEffect(() => {
    const offChanged = client.on('data.changed', ({ topics }) => {
      void queryClient.invalidateQueries({
        predicate: (q) => topics.includes('*') || topics.some((t) => String(q.queryKey[0]).startsWith(`${t}.`)),
      });
    });
    const offProgress = client.on('job.progress', (p) => {
      queryClient.setQueryData(['jobs.get', { jobId: p.jobId }], (old: unknown) =>
        old === undefined ? old : { ...(old as object), ...p },
      );
    });
    const offFinished = client.on('job.finished', () => {
      void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('jobs.') });
    });
    return () => {
      offChanged();
      offProgress();
      offFinished();
    };
  }, [queryClient]);
  return null;
}
