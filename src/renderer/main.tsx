import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from '../shared';
import { App } from './App';
import { EventBridge } from './api/EventBridge';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Engine events invalidate what changed; no background polling.
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      retry: (count, error) => !(error instanceof ApiError) && count < 2,
    },
  },
});

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <EventBridge />
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
