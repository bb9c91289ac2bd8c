/**
 * Which mask of the image is edited: its label map, or one referring/reasoning query's binary mask
 * (shown only when the image has queries).
 */
export function MaskSamplePicker(props: {
  samples: ReadonlyArray<{ id: number; query: string | null }>;
  selected: number | null;
  onSelect(sampleId: number): void;
}): React.JSX.Element | null {
  if (!props.samples.some((s) => s.query !== null)) return null;
  return (
    <>
      <h3>Mask</h3>
      <ul className="annotate-classes" data-testid="mask-samples">
        {props.samples.map((s) => (
          <li key={s.id}>
            <button
              data-testid={`mask-sample-${s.id}`}
              aria-pressed={props.selected === s.id}
              className={props.selected === s.id ? 'active' : ''}
              title={s.query ?? 'The label map of the image'}
              onClick={() => props.onSelect(s.id)}
            >
              {s.query === null ? 'Label map' : `“${s.query}”`}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
