/**
 * SQL that takes a current workspace back to what an older schema wrote. Tests of the older-schema
 * paths (a store on a read-only mount last written at 10, 11 or 12) use it on stores made by the
 * current code.
 */
const ops = ['insert', 'update', 'delete'];

/** Back to schema 12: migrations 18's and 17's tables, 14's kept summaries, 13's dataset clocks and their triggers removed. */
export const BACK_TO_SCHEMA_12 = `
  DROP TABLE run_samples;
  DROP TABLE retired_ids;
  ${['datasets', 'runs', 'images', 'models'].map((table) => `DROP TRIGGER retired_ids_${table};`).join('\n  ')}
  DROP TABLE dataset_summaries;
  ${['classes', 'runs', 'images', 'samples', 'annotations', 'datasets']
    .flatMap((table) => ops.map((op) => `DROP TRIGGER dataset_clocks_${table}_${op};`))
    .join('\n  ')}
  DROP TABLE dataset_clocks;`;

/** Back to schema 11: also migration 12's tables, clock and triggers removed, the triggers it dropped put back. */
export const BACK_TO_SCHEMA_11 = `${BACK_TO_SCHEMA_12}
  DROP TRIGGER run_clocks_run_delete;
  ${ops.map((op) => `DROP TRIGGER run_clocks_heatmaps_${op};`).join('\n  ')}
  ${['metric_samples', 'prediction_revs', 'ground_truth_revs']
    .flatMap((table) => [...ops, 'update_key'].map((op) => `DROP TRIGGER stale_scores_${table}_${op};`))
    .join('\n  ')}
  DROP TABLE stale_scores;
  DROP TABLE run_clocks;
  DELETE FROM score_inputs_clock WHERE id = 4;
  ${[
    ['heatmaps', 3],
    ['metric_samples', 2],
  ]
    .flatMap(([table, clock]) =>
      ops.map(
        (op) =>
          `CREATE TRIGGER score_inputs_${table}_${op} AFTER ${op.toUpperCase()} ON ${table} BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = ${clock}; END;`,
      ),
    )
    .join('\n  ')}`;
