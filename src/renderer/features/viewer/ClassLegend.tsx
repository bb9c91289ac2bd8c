import type { ClassInfo } from '../../../shared';

/** Class colours with a visibility checkbox each: hiding a class clears its pixels in every mask layer. */
export function ClassLegend(props: {
  classes: readonly ClassInfo[];
  hidden: ReadonlySet<number>;
  onChange(hidden: Set<number>): void;
}): React.JSX.Element {
  const toggle = (index: number, visible: boolean): void => {
    const next = new Set(props.hidden);
    if (visible) next.delete(index);
    else next.add(index);
    props.onChange(next);
  };
  return (
    <ul className="legend" data-testid="legend">
      {props.classes.map((c) => (
        <li key={c.index}>
          <label>
            <input
              type="checkbox"
              data-testid={`class-visible-${c.index}`}
              checked={!props.hidden.has(c.index)}
              onChange={(e) => toggle(c.index, e.target.checked)}
            />
            <span className="swatch" style={{ background: `rgb(${c.color.join(',')})` }} /> {c.index} {c.name}
          </label>
        </li>
      ))}
    </ul>
  );
}
