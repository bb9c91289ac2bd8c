import { ApiError, type ModelSummary, type TensorInfo } from '../../../shared';
import { InputSpecView, shapeText } from './InputSpecView';

/** The model's real tensors as onnxruntime reports them. */
export function TensorTable({ inputs, outputs }: { inputs: TensorInfo[]; outputs: TensorInfo[] }): React.JSX.Element {
  const rows = [...inputs.map((t) => ['input', t] as const), ...outputs.map((t) => ['output', t] as const)];
  return (
    <table className="datasets small" data-testid="tensor-table">
      <thead>
        <tr>
          <th></th>
          <th>Tensor</th>
          <th>Type</th>
          <th>Shape</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([io, t]) => (
          <tr key={`${io}:${t.name}`} data-testid={`tensor-${io}`}>
            <td className="muted">{io}</td>
            <td>
              <code>{t.name}</code>
            </td>
            <td>{t.type}</td>
            <td data-testid="tensor-shape">{shapeText(t.shape)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The first line without the problems the list shows anyway (`FILE: 3 problems`, `FILE: input.size: ...`). */
function fileOf(head: string, issues: string[]): string {
  const only = issues.length === 1 ? `: ${issues[0]}` : null;
  if (only !== null && head.endsWith(only)) return head.slice(0, -only.length);
  return head.replace(/: \d+ problems$/, '');
}

/**
 * Every problem of a failed call, one per line: the engine's `details.issues` ({path, message, plain})
 * when it sends them, else the message's own lines (the first line names the file).
 */
export function ProblemList({ error, title }: { error: unknown; title: string }): React.JSX.Element {
  const message = error instanceof Error ? error.message : String(error);
  const [head = '', ...rest] = message.split('\n');
  const issues =
    error instanceof ApiError && Array.isArray(error.details?.['issues'])
      ? (error.details['issues'] as Array<{ path?: unknown; message?: unknown; plain?: unknown }>).map((i) =>
          // plain: the message is a predicate to follow the field ("input.range must be one of …").
          typeof i.path === 'string' && i.path !== '' ? `${i.path}${i.plain === true ? ' ' : ': '}${String(i.message)}` : String(i.message),
        )
      : rest.map((l) => l.trim()).filter((l) => l !== '');
  return (
    <div className="error-banner" role="alert" data-testid="model-problems" data-code={error instanceof ApiError ? error.code : 'INTERNAL'}>
      <strong>{title}</strong> {issues.length > 0 ? fileOf(head, issues) : head}
      {issues.length > 0 ? (
        <ul style={{ margin: '6px 0 0', paddingLeft: 20 }}>
          {issues.map((line, i) => (
            <li key={i} data-testid="model-problem">
              {line}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A registered model after the tensor check: what it really takes and gives, and how images are fed to it. */
export function Registered({ model }: { model: ModelSummary }): React.JSX.Element {
  return (
    <div data-testid="model-registered">
      <p>
        ✓ Registered <strong>{model.name}</strong> ({model.kind}
        {model.toy ? ', TOY' : ''}): the ONNX file's tensors match the manifest. Run it with <em>Run a model</em> below.
      </p>
      <div style={{ display: 'flex', gap: 24, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TensorTable inputs={model.inputs} outputs={model.outputs} />
        <InputSpecView spec={model.input} tensor={model.inputs.find((t) => t.name === model.input?.tensor)} />
      </div>
    </div>
  );
}
