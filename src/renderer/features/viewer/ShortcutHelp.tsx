/** A keyboard shortcut table over the page (the ? key), closed by a click outside, Close, Esc or ?. */
export function ShortcutHelp({
  rows,
  onClose,
  title = 'Keyboard shortcuts',
}: {
  rows: ReadonlyArray<{ keys: string; what: string }>;
  onClose(): void;
  title?: string;
}): React.JSX.Element {
  return (
    <div className="shortcut-help" role="dialog" aria-label={title} data-testid="help-overlay" onClick={onClose}>
      <div className="shortcut-help-card" onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        <table>
          <tbody>
            {rows.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </div>
  );
}
