/**
 * SQL that takes a current workspace back to what schema 11 wrote: migration 12's tables, clock and
 * triggers removed, the triggers it dropped put back. Tests of the older-schema paths (a store on a
 * read-only mount last written at 10 or 11) use it on stores made by the current code.
 */
const ops = ['insert', 'update', 'delete'];

export const UNDO_MIGRATION_12 = `
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
