import './zoomReadout.css';
import { MAX_SCALE, MIN_SCALE, zoomLabel } from './viewport';

/** The canvas's zoom (e.g. "250%") in its top-left corner; says when a limit is reached. */
export function ZoomReadout({ scale }: { scale: number }): React.JSX.Element {
  const limit = scale >= MAX_SCALE ? ' (max)' : scale <= MIN_SCALE ? ' (min)' : '';
  return (
    <div className="zoom-readout" data-testid="zoom-readout" data-scale={scale} title="Zoom: 100% = one image pixel per screen pixel">
      {zoomLabel(scale)}
      {limit}
    </div>
  );
}
