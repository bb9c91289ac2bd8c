import { describeInput, type InputSpec, type TensorInfo } from '../../../shared';

export function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(', ')}]`;
}

function triple(v: readonly number[]): string {
  return v.map((x) => String(Math.round(x * 10000) / 10000)).join(', ');
}

/** The size rule in words: what the policy does with `size` (and `multiple` for keep-aspect). */
export function sizeRule(spec: InputSpec): string {
  const [h, w] = spec.size;
  switch (spec.policy) {
    case 'fixed':
      return 'fixed: the image at its own size';
    case 'resize':
      return `resize: stretched to ${h}×${w} (H×W)`;
    case 'longest-side-pad':
      return `longest-side-pad: longest side to ${Math.max(h, w)}, zero-padded to ${h}×${w}`;
    case 'shortest-side-center-crop':
      return `shortest-side-center-crop: shortest side to ${Math.min(h, w)}, centre crop ${h}×${w}`;
    case 'keep-aspect':
      return `keep-aspect: longest side at most ${Math.max(h, w)}, each side a multiple of ${spec.multiple ?? 1}`;
  }
}

/** A model's input spec in full: tensor (with its real shape), size policy, range, channel order, mean/std. */
export function InputSpecView({ spec, tensor }: { spec: InputSpec | null; tensor?: TensorInfo | undefined }): React.JSX.Element {
  if (spec === null) return <span className="muted">no image input (precomputed bundles)</span>;
  return (
    <div className="small" data-testid="input-spec" title={describeInput(spec)} style={{ lineHeight: 1.5 }}>
      <div>
        <code>{spec.tensor}</code>
        {tensor !== undefined ? <span className="muted"> {shapeText(tensor.shape)}</span> : null}
      </div>
      <div>{sizeRule(spec)}</div>
      <div>
        {spec.channel_order} · range {spec.range === 1 ? '0–1' : '0–255'} · mean {triple(spec.mean)} · std {triple(spec.std)}
      </div>
    </div>
  );
}
