import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { client } from './client';
import { staleAfter } from './invalidation';

/** Engine events -> TanStack Query cache. Sockets notify, queries fetch. (A followed job's progress: useJob.) */
export function EventBridge(): null {
  const queryClient = useQueryClient();
  useEffect(() => {
    const offChanged = client.on('data.changed', ({ topics }) => {
      void queryClient.invalidateQueries({ predicate: (q) => staleAfter(topics, q.queryKey) });
    });
    const offFinished = client.on('job.finished', () => {
      void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('jobs.') });
    });
    return () => {
      offChanged();
      offFinished();
    };
  }, [queryClient]);
  return null;
}
