import { ModelKind, SizePolicy, type Interpolation, type TensorInfo } from '../../../shared';
import { NORMALIZATION_PRESETS, rolesFor, type ManifestDraft } from './manifestDraft';

const grid: React.CSSProperties = { display: 'grid', gridTemplateColumns: 'repeat(4, minmax(160px, 1fr))', gap: '8px 16px' };
const label: React.CSSProperties = { display: 'flex', flexDirection: 'column', gap: 4, fontSize: 12, color: 'var(--muted)' };
const legend: React.CSSProperties = { fontSize: 12, fontWeight: 600, margin: '12px 0 6px' };

const POLICY_HINTS: Record<SizePolicy, string> = {
  fixed: 'the image at its own size (fully convolutional models)',
  resize: 'stretched to height × width',
  'longest-side-pad': 'longest side scaled, zero-padded bottom/right (SAM)',
  'shortest-side-center-crop': 'shortest side scaled, centre crop (CLIP)',
  'keep-aspect': 'longest side at most N, each side a multiple of M (PaddleOCR)',
};

/** The manifest fields for an inspected ONNX file: name, kind, input spec, output roles, classes, params. */
export function ManifestForm({
  draft,
  onChange,
  inputs,
  outputs,
  disabled,
}: {
  draft: ManifestDraft;
  onChange: (d: ManifestDraft) => void;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  disabled: boolean;
}): React.JSX.Element {
  const set = <K extends keyof ManifestDraft>(key: K, value: ManifestDraft[K]): void => onChange({ ...draft, [key]: value });
  const text = (key: 'name' | 'height' | 'width' | 'multiple' | 'mean' | 'std', caption: string, placeholder = ''): React.JSX.Element => (
    <label style={label}>
      {caption}
      <input
        data-testid={`manifest-${key}`}
        value={draft[key]}
        placeholder={placeholder}
        spellCheck={false}
        disabled={disabled}
        onChange={(e) => set(key, e.target.value)}
      />
    </label>
  );
  const keepAspect = draft.policy === 'keep-aspect';
  return (
    <fieldset disabled={disabled} style={{ border: 'none', padding: 0, margin: '12px 0 0' }} data-testid="manifest-form">
      <div style={grid}>
        {text('name', 'Name')}
        <label style={label}>
          Kind
          <select
            data-testid="manifest-kind"
            value={draft.kind}
            onChange={(e) => {
              const kind = e.target.value as ModelKind;
              onChange({ ...draft, kind, outputs: rolesFor(kind, outputs, draft.outputs) });
            }}
          >
            {ModelKind.options.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label style={label}>
          Manifest format
          <select data-testid="manifest-format" value={draft.format} onChange={(e) => set('format', e.target.value as 'yaml' | 'json')}>
            <option value="yaml">YAML</option>
            <option value="json">JSON</option>
          </select>
        </label>
      </div>

      <div style={legend}>Input</div>
      <div style={grid}>
        <label style={label}>
          Image tensor
          <select data-testid="manifest-tensor" value={draft.tensor} onChange={(e) => set('tensor', e.target.value)}>
            {inputs.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name} [{t.shape.join(', ')}]
              </option>
            ))}
          </select>
        </label>
        <label style={label} title={POLICY_HINTS[draft.policy]}>
          Size policy
          <select data-testid="manifest-policy" value={draft.policy} onChange={(e) => set('policy', e.target.value as SizePolicy)}>
            {SizePolicy.options.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <span className="small">{POLICY_HINTS[draft.policy]}</span>
        </label>
        {keepAspect
          ? text('height', 'Longest side at most (px)', '960')
          : text('height', draft.policy === 'fixed' ? 'Height (unused by fixed)' : 'Height (px)')}
        {keepAspect
          ? text('multiple', 'Each side a multiple of', '32')
          : text('width', draft.policy === 'fixed' ? 'Width (unused by fixed)' : 'Width (px)')}
        <label style={label}>
          Normalization preset
          <select
            data-testid="manifest-preset"
            value=""
            onChange={(e) => {
              const p = NORMALIZATION_PRESETS[e.target.value];
              if (p !== undefined) onChange({ ...draft, mean: p.mean, std: p.std, range: p.range });
            }}
          >
            <option value="">choose to fill mean/std/range…</option>
            {Object.entries(NORMALIZATION_PRESETS).map(([key, p]) => (
              <option key={key} value={key}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label style={label}>
          Pixel range
          <select data-testid="manifest-range" value={draft.range} onChange={(e) => set('range', e.target.value as '0-1' | '0-255')}>
            <option value="0-1">0–1</option>
            <option value="0-255">0–255</option>
          </select>
        </label>
        {text('mean', 'Mean (range units, tensor channel order)', '0, 0, 0')}
        {text('std', 'Std (range units, tensor channel order)', '1, 1, 1')}
        <label style={label}>
          Channel order
          <select
            data-testid="manifest-channel-order"
            value={draft.channelOrder}
            onChange={(e) => set('channelOrder', e.target.value as 'RGB' | 'BGR')}
          >
            <option value="RGB">RGB</option>
            <option value="BGR">BGR</option>
          </select>
        </label>
        <label
          style={label}
          title="Which library's resize the model was trained with (SAM: PIL bilinear, PaddleOCR: OpenCV, CLIP: PIL bicubic)"
        >
          Resize as
          <select
            data-testid="manifest-interpolation"
            value={draft.interpolation}
            onChange={(e) => set('interpolation', e.target.value as Interpolation)}
          >
            <option value="torch-bilinear">torch bilinear (float)</option>
            <option value="pil-bilinear">PIL bilinear (8-bit, antialiased)</option>
            <option value="pil-bicubic">PIL bicubic (8-bit, antialiased)</option>
            <option value="cv2-linear">OpenCV INTER_LINEAR (8-bit)</option>
          </select>
        </label>
      </div>

      <div style={legend}>Outputs (role → tensor)</div>
      <div style={grid} data-testid="manifest-outputs">
        {draft.outputs.map((o, i) => (
          <label key={i} style={label}>
            <input
              data-testid={`manifest-role-${i}`}
              value={o.role}
              spellCheck={false}
              aria-label="output role"
              onChange={(e) =>
                set(
                  'outputs',
                  draft.outputs.map((r, j) => (j === i ? { ...r, role: e.target.value } : r)),
                )
              }
            />
            <select
              data-testid={`manifest-output-${i}`}
              value={o.tensor}
              aria-label={`tensor for ${o.role}`}
              onChange={(e) =>
                set(
                  'outputs',
                  draft.outputs.map((r, j) => (j === i ? { ...r, tensor: e.target.value } : r)),
                )
              }
            >
              <option value="">(not used)</option>
              {outputs.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name} [{t.shape.join(', ')}]
                </option>
              ))}
            </select>
          </label>
        ))}
        <div style={{ alignSelf: 'end' }}>
          <button type="button" onClick={() => set('outputs', [...draft.outputs, { role: '', tensor: '' }])}>
            + role
          </button>
        </div>
      </div>

      <div style={legend}>Classes and params</div>
      <div style={grid}>
        <label style={{ ...label, gridColumn: 'span 2' }}>
          Class names (one per line or comma-separated; optional for some kinds)
          <textarea
            data-testid="manifest-classes"
            rows={3}
            style={{
              background: 'var(--panel)',
              color: 'var(--text)',
              border: '1px solid var(--line)',
              borderRadius: 4,
              padding: '2px 4px',
              font: 'inherit',
            }}
            value={draft.classes}
            spellCheck={false}
            onChange={(e) => set('classes', e.target.value)}
          />
        </label>
        <label style={label}>
          Background class
          <select
            data-testid="manifest-background"
            value={draft.background}
            onChange={(e) => set('background', e.target.value as 'first' | 'none')}
          >
            <option value="first">the first class</option>
            <option value="none">none</option>
          </select>
        </label>
        <label style={label}>
          Params (JSON, optional)
          <input
            data-testid="manifest-params"
            value={draft.params}
            placeholder='{"threshold": 0.5}'
            spellCheck={false}
            onChange={(e) => set('params', e.target.value)}
          />
        </label>
      </div>
    </fieldset>
  );
}
