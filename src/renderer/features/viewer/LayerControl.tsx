import type { LayerState } from '../../canvas/Viewer';

export function LayerControl(props: {
  id: string;
  label: string;
  state: LayerState;
  disabled?: boolean;
  onChange(s: LayerState): void;
}): React.JSX.Element {
  return (
    <div className="layer-control">
      <label>
        <input
          type="checkbox"
          data-testid={`layer-${props.id}`}
          checked={props.state.visible && props.disabled !== true}
          disabled={props.disabled}
          onChange={(e) => props.onChange({ ...props.state, visible: e.target.checked })}
        />
        {props.label}
      </label>
      <input
        type="range"
        min={0}
        max={1}
        step={0.05}
        aria-label={`${props.label} opacity`}
        data-testid={`opacity-${props.id}`}
        value={props.state.opacity}
        disabled={props.disabled}
        onChange={(e) => props.onChange({ ...props.state, opacity: Number(e.target.value) })}
      />
    </div>
  );
}
