import { SHORTCUT_HELP } from '../../canvas/tools/shortcuts';

/** Every keyboard shortcut of the annotate page (the ? key), from the same table the keys go through. */
export function HelpOverlay({
  onClose,
  extra = [],
}: {
  onClose(): void;
  /** Keys the page adds (previous / next image). */
  extra?: ReadonlyArray<{ keys: string; what: string }>;
}): React.JSX.Element {
  return (
    <div className="annotate-help" role="dialog" aria-label="Keyboard shortcuts" data-testid="help-overlay" onClick={onClose}>
      <div className="annotate-help-card" onClick={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        <table>
          <tbody>
            {[...extra, ...SHORTCUT_HELP].map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button onClick={onClose}>Close</button>
      </div>
    </div>
  );
}
