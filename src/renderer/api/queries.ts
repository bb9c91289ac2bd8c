import { queryOptions } from '@tanstack/react-query';
import type { Input, MethodName } from '../../shared';
import { client } from './client';

/** The only query-key shape in the app: [method, input]. Invalidation by topic is a prefix test on the method. */
export function apiQuery<M extends MethodName>(method: M, input: Input<M>) {
  return queryOptions({
    queryKey: [method, input] as const,
    queryFn: ({ signal }) => client.call(method, input, { signal }),
  });
}
