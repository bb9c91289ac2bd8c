import { useState } from 'react';
import { ApiError, type ModelSummary, type Output } from '../../../shared';
import { client } from '../../api/client';
import { ProblemList, Registered, TensorTable } from './CheckResult';
import { ManifestForm } from './ManifestForm';
import { buildManifest, draftFromInspection, type ManifestDraft } from './manifestDraft';

type Inspection = Output<'models.inspect'>;
type Step = 'inspect' | 'write' | 'add';

const panel: React.CSSProperties = {
  background: 'var(--panel)',
  border: '1px solid var(--line)',
  borderRadius: 6,
  padding: '8px 12px 12px',
  marginBottom: 16,
};
const row: React.CSSProperties = { display: 'flex', gap: 8, alignItems: 'flex-end', flexWrap: 'wrap' };
const pathLabel: React.CSSProperties = {
  display: 'flex',
  flexDirection: 'column',
  gap: 4,
  fontSize: 12,
  color: 'var(--muted)',
  flex: '1 1 420px',
};

/** A path field with the native picker beside it inside Electron (typed paths in the browser). */
function PathField({
  testId,
  caption,
  value,
  onChange,
  disabled,
}: {
  testId: string;
  caption: string;
  value: string;
  onChange: (v: string) => void;
  disabled: boolean;
}): React.JSX.Element {
  return (
    <>
      <label style={pathLabel}>
        {caption}
        <input
          data-testid={testId}
          value={value}
          placeholder="/path/on/the/engine/machine"
          spellCheck={false}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
      {window.tessera !== undefined ? (
        <button
          type="button"
          disabled={disabled}
          onClick={() =>
            void window.tessera?.pickPath('file').then((p) => {
              if (p !== null) onChange(p);
            })
          }
        >
          Browse…
        </button>
      ) : null}
    </>
  );
}

/**
 * Register a model from the UI: a manifest file, or an ONNX file plus a form that writes the
 * manifest beside it (`<stem>.tessera.yaml`). Either way `models.add` runs the tensor check, and
 * its result (the real tensors, or every problem on its own line) shows here.
 */
export function AddModelPanel({ onClose }: { onClose: () => void }): React.JSX.Element {
  const [mode, setMode] = useState<'manifest' | 'onnx'>('manifest');
  const [manifestPath, setManifestPath] = useState('');
  const [onnxPath, setOnnxPath] = useState('');
  const [inspection, setInspection] = useState<Inspection | null>(null);
  const [draft, setDraft] = useState<ManifestDraft | null>(null);
  const [busy, setBusy] = useState<Step | null>(null);
  const [failure, setFailure] = useState<{ step: Step; error: unknown } | null>(null);
  const [written, setWritten] = useState<string | null>(null);
  const [addedFrom, setAddedFrom] = useState<string | null>(null);
  const [registered, setRegistered] = useState<ModelSummary | null>(null);

  async function attempt<T>(step: Step, body: () => Promise<T>): Promise<T | undefined> {
    setBusy(step);
    setFailure(null);
    try {
      return await body();
    } catch (error) {
      setFailure({ step, error });
      return undefined;
    } finally {
      setBusy(null);
    }
  }

  async function register(path: string, replace = false): Promise<void> {
    setRegistered(null);
    setAddedFrom(path);
    const model = await attempt('add', () => client.call('models.add', { manifestPath: path, ...(replace ? { replace: true } : {}) }));
    if (model !== undefined) setRegistered(model);
  }

  async function inspect(): Promise<void> {
    setRegistered(null);
    setWritten(null);
    const found = await attempt('inspect', () => client.call('models.inspect', { path: onnxPath.trim() }));
    setInspection(found ?? null);
    setDraft(found === undefined ? null : draftFromInspection(found.path, found.inputs, found.outputs));
  }

  async function writeAndRegister(overwrite: boolean): Promise<void> {
    if (inspection === null || draft === null) return;
    setRegistered(null);
    const built = buildManifest(draft);
    if ('error' in built) {
      setFailure({ step: 'write', error: new ApiError('INVALID_INPUT', built.error) });
      return;
    }
    const out = await attempt('write', () =>
      client.call('models.writeManifest', { onnxPath: inspection.path, manifest: built.manifest, format: draft.format, overwrite }),
    );
    if (out === undefined) return;
    setWritten(out.manifestPath);
    await register(out.manifestPath);
  }

  const conflict = failure !== null && failure.error instanceof ApiError && failure.error.code === 'CONFLICT';
  const working = busy !== null;
  return (
    <section style={panel} data-testid="add-model" aria-label="Add a model">
      <div style={{ display: 'flex', alignItems: 'baseline', gap: 12 }}>
        <h3 style={{ margin: '0 0 8px', fontSize: 14 }}>Add a model</h3>
        <label className="small">
          <input
            type="radio"
            name="add-model-mode"
            data-testid="add-mode-manifest"
            checked={mode === 'manifest'}
            onChange={() => setMode('manifest')}
          />{' '}
          manifest file
        </label>
        <label className="small">
          <input
            type="radio"
            name="add-model-mode"
            data-testid="add-mode-onnx"
            checked={mode === 'onnx'}
            onChange={() => setMode('onnx')}
          />{' '}
          ONNX file + form
        </label>
        <span style={{ flex: 1 }} />
        <button type="button" data-testid="add-model-close" onClick={onClose}>
          Close
        </button>
      </div>

      {mode === 'manifest' ? (
        <form
          style={row}
          onSubmit={(e) => {
            e.preventDefault();
            void register(manifestPath.trim());
          }}
        >
          <PathField
            testId="manifest-path"
            caption="Manifest (JSON or YAML beside the .onnx)"
            value={manifestPath}
            onChange={setManifestPath}
            disabled={working}
          />
          <button type="submit" data-testid="manifest-register" disabled={working || manifestPath.trim() === ''}>
            {busy === 'add' ? 'Checking…' : 'Check and register'}
          </button>
        </form>
      ) : (
        <>
          <form
            style={row}
            onSubmit={(e) => {
              e.preventDefault();
              void inspect();
            }}
          >
            <PathField testId="onnx-path" caption="ONNX file" value={onnxPath} onChange={setOnnxPath} disabled={working} />
            <button type="submit" data-testid="onnx-inspect" disabled={working || onnxPath.trim() === ''}>
              {busy === 'inspect' ? 'Opening…' : 'Inspect'}
            </button>
          </form>
          {inspection !== null && draft !== null ? (
            <div data-testid="onnx-inspection">
              <p className="small muted" style={{ margin: '10px 0 6px' }}>
                What <code>{inspection.path}</code> really has:
              </p>
              <TensorTable inputs={inspection.inputs} outputs={inspection.outputs} />
              <p className="small muted" style={{ margin: '10px 0 0' }}>
                The manifest goes to <code data-testid="manifest-target">{inspection.manifestPath.replace(/yaml$/, draft.format)}</code>
                {inspection.manifestExists && draft.format === 'yaml' ? ' (that file exists already)' : ''}.
                {window.tessera === undefined ? ' In the browser UI Tessera writes only inside the workspace folder.' : ''}
              </p>
              <ManifestForm draft={draft} onChange={setDraft} inputs={inspection.inputs} outputs={inspection.outputs} disabled={working} />
              <div style={{ ...row, marginTop: 12 }}>
                <button type="button" data-testid="manifest-write" disabled={working} onClick={() => void writeAndRegister(false)}>
                  {busy === 'write' ? 'Writing…' : busy === 'add' ? 'Checking…' : 'Write manifest and register'}
                </button>
                {written !== null ? (
                  <span className="small muted" data-testid="manifest-written">
                    wrote <code>{written}</code>
                  </span>
                ) : null}
              </div>
            </div>
          ) : null}
        </>
      )}

      <div style={{ marginTop: 12 }}>
        {failure !== null ? (
          <ProblemList
            error={failure.error}
            title={
              failure.step === 'inspect' ? 'Cannot open the model' : failure.step === 'write' ? 'Manifest not written' : 'Not registered'
            }
          />
        ) : null}
        {conflict && failure.step === 'add' && addedFrom !== null ? (
          <button
            type="button"
            data-testid="replace-model"
            style={{ marginTop: 8 }}
            disabled={working}
            onClick={() => void register(addedFrom, true)}
          >
            Replace the existing model
          </button>
        ) : null}
        {conflict && failure.step === 'write' ? (
          <div style={{ ...row, marginTop: 8 }}>
            <button type="button" data-testid="overwrite-manifest" disabled={working} onClick={() => void writeAndRegister(true)}>
              Overwrite the manifest file
            </button>
          </div>
        ) : null}
        {registered !== null ? <Registered model={registered} /> : null}
      </div>
    </section>
  );
}
