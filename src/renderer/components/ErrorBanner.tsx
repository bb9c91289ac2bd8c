import { ApiError } from '../../shared';

/** Renders any error by its code; the message already names the file and the item. */
export function ErrorBanner({ error }: { error: unknown }): React.JSX.Element {
  const code = error instanceof ApiError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <strong>{code === 'NOT_FOUND' ? 'Not found' : code === 'UNAUTHORIZED' ? 'Not authorized' : 'Error'}</strong> {message}
    </div>
  );
}
