import { useState } from 'react';
import { ERROR_COLORS, hatchCss, type ErrorKind } from '../../canvas/raster/overlayStyle';
import './overlayLegend.css';

/** How ground truth is drawn: as an outline whenever a prediction is drawn too (auto), always, or filled. */
export type GtStyle = 'auto' | 'outline' | 'fill';

const STORAGE_KEY = 'tessera.viewer.gtStyle';

function readGtStyle(): GtStyle {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === 'outline' || v === 'fill' || v === 'auto' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

/** The chosen ground-truth style, remembered across images and reloads. */
export function useGtStyle(): [GtStyle, (s: GtStyle) => void] {
  const [style, setStyle] = useState<GtStyle>(readGtStyle);
  const set = (s: GtStyle): void => {
    setStyle(s);
    try {
      window.localStorage.setItem(STORAGE_KEY, s);
    } catch {
      // storage unavailable (private mode): the choice lasts for this page only
    }
  };
  return [style, set];
}

/** Outline or fill for the ground truth layer, given whether a prediction layer is drawn under/over it. */
export function gtDrawnAs(style: GtStyle, predictionShown: boolean): 'outline' | 'fill' {
  if (style === 'auto') return predictionShown ? 'outline' : 'fill';
  return style;
}

const ERROR_TEXT: Record<ErrorKind, { label: string; title: string }> = {
  tp: { label: 'TP', title: 'true positive: predicted the ground-truth class (/ stripes)' },
  fp: { label: 'FP', title: 'false positive: predicted a class where GT has background or another class (\\ stripes)' },
  fn: { label: 'FN', title: 'false negative: GT has a class, predicted background (| stripes)' },
};

/** TP/FP/FN as the hatched swatches the error layer draws (hatching never looks like a flat class colour). */
export function ErrorLegend(p: { counts?: Record<ErrorKind, number> | undefined; testId?: string }): React.JSX.Element {
  return (
    <span className="overlay-legend error-legend" data-testid={p.testId ?? 'error-legend'}>
      {(['tp', 'fp', 'fn'] as const).map((k) => (
        <span
          key={k}
          className="legend-item"
          title={ERROR_TEXT[k].title}
          data-testid={`legend-${k}`}
          data-color={ERROR_COLORS[k].join(',')}
        >
          <span className="legend-swatch hatched" style={{ background: hatchCss(k) }} />
          {ERROR_TEXT[k].label}
          {p.counts === undefined ? '' : ` ${p.counts[k]}`}
        </span>
      ))}
    </span>
  );
}

/**
 * What the mask layers look like: ground truth as an outline or a fill, prediction filled, errors
 * hatched; with the ground-truth style choice.
 */
export function OverlayLegend(p: {
  gt: boolean;
  pred: boolean;
  errors: boolean;
  style: GtStyle;
  onStyle(s: GtStyle): void;
}): React.JSX.Element {
  const drawn = gtDrawnAs(p.style, p.pred);
  return (
    <div className="overlay-legend-box" data-testid="overlay-legend">
      {p.gt ? (
        <span className="legend-item" data-testid="legend-gt" data-style={drawn}>
          <span className={drawn === 'outline' ? 'legend-swatch outline' : 'legend-swatch filled'} />
          GT{' '}
          <select
            data-testid="gt-style"
            value={p.style}
            onChange={(e) => p.onStyle(e.target.value as GtStyle)}
            title="How ground truth is drawn"
          >
            <option value="auto">outline over a prediction</option>
            <option value="outline">outline</option>
            <option value="fill">fill</option>
          </select>
        </span>
      ) : null}
      {p.pred ? (
        <span className="legend-item" data-testid="legend-pred">
          <span className="legend-swatch filled" /> prediction: fill
        </span>
      ) : null}
      {p.errors ? <ErrorLegend /> : null}
    </div>
  );
}
