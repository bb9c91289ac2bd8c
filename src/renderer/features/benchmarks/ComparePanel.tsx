import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { runDisplayName, type RunSummary } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { pct } from './columns';

/** Paired comparison of two runs: the difference with its seeded bootstrap 95% interval, wins/ties/losses. */
export function ComparePanel({
  datasetId,
  runs,
  subset,
}: {
  datasetId: number;
  runs: RunSummary[];
  subset: string | undefined;
}): React.JSX.Element {
  const [a, setA] = useState<number | null>(runs[0]?.id ?? null);
  const [b, setB] = useState<number | null>(runs[1]?.id ?? null);
  const ready = a !== null && b !== null && a !== b;
  const comparison = useQuery({ ...apiQuery('metrics.compare', { datasetId, runIds: [a ?? 0, b ?? 0], subset, seed: 1 }), enabled: ready });
  const picker = (value: number | null, set: (v: number) => void, testId: string): React.JSX.Element => (
    <select data-testid={testId} value={value ?? ''} onChange={(e) => set(Number(e.target.value))}>
      {runs.map((r) => (
        <option key={r.id} value={r.id}>
          {runDisplayName(r)}
        </option>
      ))}
    </select>
  );
  const c = comparison.data;
  return (
    <div className="bench-compare" data-testid="bench-compare">
      <div className="bench-controls">
        A {picker(a, setA, 'compare-a')} B {picker(b, setB, 'compare-b')}
      </div>
      {!ready ? <p className="muted">Pick two different runs.</p> : null}
      {comparison.error ? <ErrorBanner error={comparison.error} /> : null}
      {ready && c === undefined && !comparison.error ? <p className="muted">Comparing…</p> : null}
      {c !== undefined ? (
        <>
          <table className="datasets bench-table">
            <thead>
              <tr>
                <th>Metric</th>
                <th className="num">A</th>
                <th className="num">B</th>
                <th className="num">B − A</th>
                <th className="num">95% interval</th>
                <th className="num">B wins / ties / losses</th>
              </tr>
            </thead>
            <tbody>
              <tr data-testid="compare-row">
                <td title="bootstrap over images, paired, seeded">{c.metric}</td>
                <td className="num">{pct(c.a)}</td>
                <td className="num">{pct(c.b)}</td>
                <td className="num" data-testid="compare-diff">
                  {pct(c.difference?.estimate)}
                </td>
                <td className="num" data-testid="compare-interval">
                  {c.difference === null ? '—' : `[${pct(c.difference.low)}, ${pct(c.difference.high)}]`}
                </td>
                <td className="num" data-testid="compare-wins">
                  {c.paired.wins} / {c.paired.ties} / {c.paired.losses}
                </td>
              </tr>
              {c.otherMetrics.map((m) => (
                <tr key={m.metric} data-testid="compare-other-row">
                  <td title="bootstrap over the same resamples">{m.metric}</td>
                  <td className="num">{pct(m.a)}</td>
                  <td className="num">{pct(m.b)}</td>
                  <td className="num">{pct(m.difference?.estimate)}</td>
                  <td className="num" title={m.note ?? undefined}>
                    {m.difference === null ? '—' : `[${pct(m.difference.low)}, ${pct(m.difference.high)}]`}
                  </td>
                  <td className="num muted">—</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            {c.images} paired {c.unit === 'query' ? 'queries' : 'images'}, {c.bootstrapSamples} resamples, seed {c.seed}; wins compare{' '}
            {c.imageMetric} per {c.unit}.
            {c.otherMetrics.map((m) => (m.note === null ? null : <span key={m.metric}> {`${m.metric}: ${m.note}.`}</span>))}
            {c.unscored.images > 0 ? (
              <span data-testid="compare-unscored">
                {' '}
                {c.unscored.images} image{c.unscored.images === 1 ? '' : 's'} left out of the wins and the interval:{' '}
                {c.unscored.reason ?? 'no per-image score'}.
              </span>
            ) : null}
            {c.classes.some((k) => k.bWins > 0)
              ? ` B better on: ${c.classes
                  .filter((k) => k.bWins > 0)
                  .map((k) => `${k.name} (${k.bWins})`)
                  .join(', ')}.`
              : ''}
          </p>
        </>
      ) : null}
    </div>
  );
}
