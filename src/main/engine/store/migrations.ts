/**
 * Versioned schema. migrations[i] takes a database from user_version i to i + 1. Never edit a released
 * migration: append a new one. The schema already covers the whole product (datasets through jobs) so
 * later features add columns, not redesigns.
 */
export const migrations: readonly string[] = [
  /* 0 -> 1: the whole product's schema */ `
  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL CHECK (format IN ('folder','voc','coco','reasonseg','refcoco')),
    task TEXT NOT NULL CHECK (task IN ('semantic','referring','unlabelled')),
    source_path TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );

  -- Class index = label value in masks (0..254); 255 is ignore and never a class.
  CREATE TABLE classes (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL CHECK (idx BETWEEN 0 AND 254),
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    external_id INTEGER,
    PRIMARY KEY (dataset_id, idx)
  );

  -- Images stay where they are: path + content hash.
  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    split TEXT,
    external_id TEXT,
    review_state TEXT NOT NULL DEFAULT 'unreviewed' CHECK (review_state IN ('unreviewed','in-review','reviewed','rejected')),
    UNIQUE (dataset_id, path)
  );
  CREATE INDEX images_by_sha ON images(sha256);

  -- A sample is what gets scored: an image (semantic) or an image plus a text query (referring/reasoning).
  CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    query TEXT,
    queries TEXT,
    is_sentence INTEGER,
    external_id TEXT
  );
  CREATE INDEX samples_by_image ON samples(image_id);

  -- An annotation is one region: a class of a semantic label map (class_idx 255 = ignore region), an
  -- instance (COCO), or a referred object. Its pixels live in versions; the imported one is kept.
  CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    class_idx INTEGER NOT NULL CHECK (class_idx BETWEEN 0 AND 255),
    iscrowd INTEGER NOT NULL DEFAULT 0,
    external_id TEXT,
    current_version INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX annotations_by_sample ON annotations(sample_id);

  -- Masks as COCO compressed RLE (column-major counts string), with area and bbox as pycocotools gives them.
  CREATE TABLE annotation_versions (
    annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    rle TEXT NOT NULL,
    area INTEGER NOT NULL,
    bbox TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('import','edit','prompt')),
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (annotation_id, version)
  );

  CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL,
    is_toy INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL
  );

  -- A run is a set of predictions on a dataset: from a model here, or imported from elsewhere.
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
    source TEXT NOT NULL CHECK (source IN ('model','import')),
    status TEXT NOT NULL CHECK (status IN ('pending','running','complete','failed','cancelled')),
    execution_provider TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    provenance TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (dataset_id, name)
  );

  CREATE TABLE predictions (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    class_idx INTEGER NOT NULL CHECK (class_idx BETWEEN 0 AND 255),
    instance INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    rle TEXT NOT NULL,
    area INTEGER NOT NULL,
    score REAL,
    UNIQUE (run_id, sample_id, class_idx, instance)
  );
  CREATE INDEX predictions_by_sample ON predictions(sample_id);

  -- Token-resolution maps (CAMs, similarity maps, importance): raw little-endian blob + shape + dtype.
  CREATE TABLE heatmaps (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    shape TEXT NOT NULL,
    dtype TEXT NOT NULL CHECK (dtype IN ('float16','float32','uint8')),
    data BLOB NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    UNIQUE (run_id, sample_id, name)
  );

  -- Per-image (and per-class) counts, so any subset's score is a SQL aggregate.
  CREATE TABLE metric_rows (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    class_idx INTEGER NOT NULL,
    tp INTEGER NOT NULL,
    fp INTEGER NOT NULL,
    fn INTEGER NOT NULL,
    gt_pixels INTEGER NOT NULL,
    annotation_rev TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, sample_id, class_idx)
  );

  CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    color TEXT
  );
  CREATE TABLE image_tags (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (image_id, tag_id)
  );
  CREATE TABLE sample_tags (
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (sample_id, tag_id)
  );
  CREATE TABLE saved_filters (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    UNIQUE (dataset_id, name)
  );

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    error TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- Items that failed inside a job (a truncated image mid-run): listed on the job, not fatal.
  CREATE TABLE job_item_failures (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (job_id, item)
  );

  -- Caches: inference outputs keyed by (model hash, image hash, params hash); SAM image embeddings.
  CREATE TABLE inference_cache (
    key TEXT PRIMARY KEY,
    outputs BLOB NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE image_embeddings (
    model_sha256 TEXT NOT NULL,
    image_sha256 TEXT NOT NULL,
    shape TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (model_sha256, image_sha256)
  );
  `,
  /* 1 -> 2: engine-side undo history of label-map edits (crash-safe because it lives here) */ `
  -- One row per applied edit of an image's label map: the touched box and its pixels before and after
  -- (zlib-deflated, row-major, w*h bytes). Undo writes 'before' back as new annotation versions, redo
  -- writes 'after'; a new edit drops the image's undone rows. Oldest rows go first when the workspace's
  -- history outgrows its byte budget; annotation versions themselves are never deleted.
  CREATE TABLE annotation_edits (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    w INTEGER NOT NULL CHECK (w > 0),
    h INTEGER NOT NULL CHECK (h > 0),
    before BLOB NOT NULL,
    after BLOB NOT NULL,
    bytes INTEGER NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE INDEX annotation_edits_by_image ON annotation_edits(image_id, id);

  -- Bumped by every edit, undo and redo of an image's label map, so a client can tell its copy is stale.
  CREATE TABLE annotation_revisions (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL
  );
  `,
  /* 2 -> 3: each image's pixel grid, chosen at import (images/orientation.ts) */ `
  -- exif_orientation: the EXIF orientation tag of the file (1..8; 1 also for "none"). grid: 'raw' = the
  -- stored pixels as PIL loads them (EXIF ignored), 'oriented' = EXIF orientation applied as OpenCV's
  -- imread does. width/height are the chosen grid's; models, masks, metrics and the viewer all use it.
  -- Rows from before this migration keep the raw grid their stored sizes already describe.
  ALTER TABLE images ADD COLUMN exif_orientation INTEGER NOT NULL DEFAULT 1 CHECK (exif_orientation BETWEEN 1 AND 8);
  ALTER TABLE images ADD COLUMN grid TEXT NOT NULL DEFAULT 'raw' CHECK (grid IN ('raw','oriented'));
  -- Decoding no longer converts embedded ICC profiles to sRGB: embeddings cached from converted pixels go.
  DELETE FROM image_embeddings;
  `,
  /* 3 -> 4: gallery reads at 20k-100k images (store/repos/images.ts) */ `
  -- The gallery's order (file name, id) within a dataset: pages and id lists walk this index instead of
  -- sorting the dataset, and a filter's matches come out already in order.
  CREATE INDEX images_gallery_order ON images(dataset_id, file_name, id);
  -- "Has pixels of class c" looks up an image's regions of one class.
  CREATE INDEX annotations_by_sample_class ON annotations(sample_id, class_idx);
  `,
  /* 4 -> 5: deletes that stay fast and collect what nothing references (datasets/manage.ts) */ `
  -- Which model file and image each cached output is for, so deleting a model or a dataset removes its
  -- cached outputs. Entries cached before this migration have NULLs and stay until the cache is cleared.
  ALTER TABLE inference_cache ADD COLUMN model_sha256 TEXT;
  ALTER TABLE inference_cache ADD COLUMN image_sha256 TEXT;
  CREATE INDEX inference_cache_by_model ON inference_cache(model_sha256);
  CREATE INDEX inference_cache_by_image ON inference_cache(image_sha256);
  -- Deleting samples cascades into these tables by sample_id: without an index each sample scans them.
  CREATE INDEX IF NOT EXISTS heatmaps_by_sample ON heatmaps(sample_id);
  CREATE INDEX IF NOT EXISTS metric_rows_by_sample ON metric_rows(sample_id);
  CREATE INDEX IF NOT EXISTS annotation_edits_by_sample ON annotation_edits(sample_id);
  CREATE INDEX IF NOT EXISTS runs_by_model ON runs(model_id);
  `,
  /* 5 -> 6: evaluation fingerprints kept at write time (metrics/evaluationSet.ts) */ `
  -- A counter per (run, sample) bumped by every insert, update and delete of the sample's prediction
  -- regions, and one per sample bumped by every change of its ground-truth regions (a new region, a
  -- new current version, a deleted region). A metric row records the pair it was computed from, so
  -- finding stale rows reads two integers per sample instead of hashing every prediction RLE.
  -- Rows go with their run or sample (cascade); a counter never restarts while rows computed from it
  -- can exist.
  CREATE TABLE prediction_revs (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    PRIMARY KEY (run_id, sample_id)
  ) WITHOUT ROWID;
  CREATE INDEX prediction_revs_by_sample ON prediction_revs(sample_id);
  CREATE TABLE ground_truth_revs (
    sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL
  );
  INSERT INTO prediction_revs (run_id, sample_id, rev) SELECT run_id, sample_id, 1 FROM predictions GROUP BY run_id, sample_id;
  INSERT INTO ground_truth_revs (sample_id, rev) SELECT sample_id, 1 FROM annotations GROUP BY sample_id;
  CREATE TRIGGER prediction_revs_insert AFTER INSERT ON predictions BEGIN
    INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (NEW.run_id, NEW.sample_id, 1)
      ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 1;
  END;
  CREATE TRIGGER prediction_revs_update AFTER UPDATE ON predictions BEGIN
    UPDATE prediction_revs SET rev = rev + 1 WHERE run_id = OLD.run_id AND sample_id = OLD.sample_id;
    INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (NEW.run_id, NEW.sample_id, 1)
      ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 1;
  END;
  CREATE TRIGGER prediction_revs_delete AFTER DELETE ON predictions BEGIN
    UPDATE prediction_revs SET rev = rev + 1 WHERE run_id = OLD.run_id AND sample_id = OLD.sample_id;
  END;
  CREATE TRIGGER ground_truth_revs_insert AFTER INSERT ON annotations BEGIN
    INSERT INTO ground_truth_revs (sample_id, rev) VALUES (NEW.sample_id, 1)
      ON CONFLICT (sample_id) DO UPDATE SET rev = rev + 1;
  END;
  CREATE TRIGGER ground_truth_revs_update AFTER UPDATE ON annotations BEGIN
    UPDATE ground_truth_revs SET rev = rev + 1 WHERE sample_id = OLD.sample_id;
    INSERT INTO ground_truth_revs (sample_id, rev) VALUES (NEW.sample_id, 1)
      ON CONFLICT (sample_id) DO UPDATE SET rev = rev + 1;
  END;
  CREATE TRIGGER ground_truth_revs_delete AFTER DELETE ON annotations BEGIN
    UPDATE ground_truth_revs SET rev = rev + 1 WHERE sample_id = OLD.sample_id;
  END;
  -- One row per scored (run, sample): the fingerprint its metric_rows were computed from and the
  -- sample's score (metrics/aggregate.ts sampleScore), so sorting a gallery by score reads one row per
  -- image. Rows scored before this migration carry the old fingerprint: they go, and are recomputed.
  CREATE TABLE metric_samples (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    rev TEXT NOT NULL,
    score REAL,
    PRIMARY KEY (run_id, sample_id)
  ) WITHOUT ROWID;
  CREATE INDEX metric_samples_by_sample ON metric_samples(sample_id);
  DELETE FROM metric_rows;
  `,
  /* 6 -> 7: SAM image embeddings live in files beside the database (models/embeddingCache.ts) */ `
  -- ~4 MB per image and model made them most of a workspace's database. They are a cache: the rows go
  -- (a run recomputes what it needs into cache/embeddings/) and the table with them. The freed pages
  -- are reused by later writes; the file itself shrinks only with VACUUM.
  DROP TABLE image_embeddings;
  `,
  /* 7 -> 8: clocks of the score inputs that change a few rows at a time (store/scoreInputs.ts) */ `
  -- Counters bumped by triggers on every insert, update and delete: 'samples' (id 1) by the tables
  -- that decide which samples a run is scored on and how they are listed, 'stored scores' (id 2) by
  -- metric_samples, 'runs and classes' (id 3) by the other low-volume score inputs (a model run's
  -- progress moves it, but not the kept list of scored samples). With the sums of the prediction and ground-truth counters (migration 6), which
  -- move with every prediction and ground-truth region, they tell a cached score read whether anything
  -- it read may have changed, so a tag, a review state or a job's progress no longer empties it.
  -- High-volume tables (predictions, annotations, metric_rows) get no trigger here: a trigger per
  -- inserted row slowed bulk imports, and the counters or metric_samples stand for them
  -- (store/scoreInputs.ts gives the reason for every table).
  CREATE TABLE score_inputs_clock (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER NOT NULL);
  INSERT INTO score_inputs_clock (id, name, n) VALUES (1, 'samples', 0), (2, 'stored scores', 0), (3, 'runs and classes', 0);
  ${[
    ['datasets', 3],
    ['classes', 3],
    ['samples', 1],
    ['runs', 3],
    ['heatmaps', 3],
    ['metric_samples', 2],
  ]
    .flatMap(([t, id]) =>
      ['INSERT', 'UPDATE', 'DELETE'].map(
        (op) =>
          `CREATE TRIGGER score_inputs_${t}_${op.toLowerCase()} AFTER ${op} ON ${t} BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = ${id}; END;`,
      ),
    )
    .join('\n  ')}
  -- Whether a sample has ground truth at all decides whether it is scored: region inserts and deletes
  -- bump 'samples' (edits of a region's mask raise its counter instead).
  CREATE TRIGGER score_inputs_annotations_insert AFTER INSERT ON annotations BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER score_inputs_annotations_delete AFTER DELETE ON annotations BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER score_inputs_images_insert AFTER INSERT ON images BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER score_inputs_images_delete AFTER DELETE ON images BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = 1; END;
  -- Every column but review_state (a gallery filter, never a score input); a test checks that this
  -- list names every other column of images.
  CREATE TRIGGER score_inputs_images_update AFTER UPDATE OF id, dataset_id, path, file_name, sha256, bytes, width, height, split, external_id, exif_orientation, grid ON images BEGIN UPDATE score_inputs_clock SET n = n + 1 WHERE id = 1; END;
  `,
  /* 8 -> 9: per-image score lists kept across restarts (store/scoreSnapshots.ts) */ `
  -- A whole dataset's per-image scores under a run, as the read worker listed them, with the
  -- score-input version they were read at: a reopened workspace's first score sort reads one blob
  -- instead of listing every scored sample. Caches: not score inputs, and nothing else reads them.
  CREATE TABLE score_snapshots (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    payload BLOB NOT NULL,
    written INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, run_id)
  );
  CREATE INDEX score_snapshots_by_run ON score_snapshots(run_id);
  -- A dataset's scored samples in gallery order, with the 'samples' clock they were listed at: the
  -- slow half of a score list, which evaluations and model runs leave as it is.
  CREATE TABLE sample_list_snapshots (
    dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    payload BLOB NOT NULL
  );
  `,
  /* 9 -> 10: imports and deletes work in slices on hidden rows (datasets/slicedWrite.ts) */ `
  -- A dataset or run being imported carries its job's id here, one being deleted 'delete'; either is
  -- left out of every listing and lookup. An import's last slice clears it; a delete's last slice
  -- removes the row. A process killed meanwhile leaves it hidden, and a later process that opens the
  -- workspace removes it once no running job owns it.
  ALTER TABLE datasets ADD COLUMN hidden_by TEXT;
  ALTER TABLE runs ADD COLUMN hidden_by TEXT;
  `,
  /* 10 -> 11: a run being imported counts its prediction changes itself */ `
  -- The counter upsert per inserted row took ~40% of a prediction import's writing (27,768 rows for
  -- 1,449 PNGs). Rows of a hidden run (being imported; nothing inserts into one being deleted) are
  -- counted by the importer instead (store/repos/predictions.ts insertIntoHiddenRun), one upsert per
  -- sample adding the number of rows it inserted: the same counters as one per row.
  DROP TRIGGER prediction_revs_insert;
  CREATE TRIGGER prediction_revs_insert AFTER INSERT ON predictions
    WHEN (SELECT hidden_by FROM runs WHERE id = NEW.run_id) IS NULL
  BEGIN
    INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (NEW.run_id, NEW.sample_id, 1)
      ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 1;
  END;
  `,
  /* 11 -> 12: stale stored scores listed as they go stale (store/staleScores.ts), counters clocked */ `
  -- A stored score (metric_samples) is current while its fingerprint equals 'g' || the sample's
  -- ground-truth counter || 'p' || the run's prediction counter of the sample (migration 6). Checking
  -- that for a whole run joined three tables per row (~0.15 s at 100k images). Triggers on the three
  -- tables the fingerprint is made of keep here exactly the rows whose fingerprint differs, so a
  -- score read asks one indexed question. Each trigger recomputes the rows its change can touch from
  -- the tables as they are after it, so the order of writes within a transaction does not matter.
  CREATE TABLE stale_scores (
    run_id INTEGER NOT NULL,
    sample_id INTEGER NOT NULL,
    PRIMARY KEY (run_id, sample_id)
  ) WITHOUT ROWID;
  CREATE INDEX stale_scores_by_sample ON stale_scores(sample_id);
  INSERT INTO stale_scores (run_id, sample_id)
    SELECT m.run_id, m.sample_id FROM metric_samples m WHERE ${staleWhere('m')};
  -- Score-input versions (store/scoreInputs.ts) summed the counters of a run and of all ground truth
  -- at every score read (two scans, ~20-40 ms at 100k images), and every run's version moved with
  -- any run's stored scores (the 'stored scores' clock): evaluating one run dropped every other run's
  -- kept score list. The same triggers now bump a clock per run on writes of its prediction
  -- counters and of its stored scores (no foreign key: a run's delete cascades into those rows in an
  -- order SQLite does not promise; a run's delete removes its clock, and a row a later cascade step
  -- writes back is only ever read for a run of that id, whose insert bumps the 'runs and classes'
  -- clock), and a 'ground truth' clock. The 'stored scores' clock stands still from here on.
  CREATE TABLE run_clocks (run_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
  INSERT INTO score_inputs_clock (id, name, n) VALUES (4, 'ground truth', 0);
  CREATE TRIGGER run_clocks_run_delete AFTER DELETE ON runs BEGIN DELETE FROM run_clocks WHERE run_id = OLD.id; END;
  DROP TRIGGER score_inputs_metric_samples_insert;
  DROP TRIGGER score_inputs_metric_samples_update;
  DROP TRIGGER score_inputs_metric_samples_delete;
  -- A run's heatmaps are inputs of its own scores only: they move its clock, no longer the
  -- workspace-wide 'runs and classes' one (a CAM model run wrote one per image, dropping every kept
  -- score list of every dataset while it ran).
  DROP TRIGGER score_inputs_heatmaps_insert;
  DROP TRIGGER score_inputs_heatmaps_update;
  DROP TRIGGER score_inputs_heatmaps_delete;
  ${[
    ['insert', 'NEW'],
    ['update', 'OLD', 'NEW'],
    ['delete', 'OLD'],
  ]
    .map(
      ([op, ...rows]) =>
        `CREATE TRIGGER run_clocks_heatmaps_${op} AFTER ${op!.toUpperCase()} ON heatmaps BEGIN ${rows
          .map((row) => `INSERT INTO run_clocks (run_id, n) VALUES (${row}.run_id, 1) ON CONFLICT (run_id) DO UPDATE SET n = n + 1;`)
          .join(' ')} END;`,
    )
    .join('\n  ')}
  ${staleScoreTriggers()}
  `,
  /* 12 -> 13: the clocks of kept score lists per dataset (store/scoreInputs.ts) */ `
  -- The 'samples', 'runs and classes' and 'ground truth' clocks are workspace-wide: importing a
  -- dataset, starting a run or editing a mask anywhere dropped every dataset's kept score lists, and
  -- the next app's first score sort on a 100k-image dataset listed everything again (~0.3 s). Each
  -- write that bumps one of them now also bumps its dataset's twin here: 'samples' for what decides a
  -- dataset's scored samples and their order, 'meta' for its row and classes, 'other' for the rest
  -- of its runs' score inputs (its runs and ground-truth regions). A dataset's summary (its counts)
  -- depends on 'samples' and 'meta' only, so a model run leaves it. The workspace-wide clocks still
  -- move as before. A dataset's row is never deleted: a reused dataset id goes on counting (its
  -- insert bumps all three), so no version of an earlier dataset comes back.
  CREATE TABLE dataset_clocks (
    dataset_id INTEGER PRIMARY KEY,
    samples INTEGER NOT NULL DEFAULT 0,
    other INTEGER NOT NULL DEFAULT 0,
    meta INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO dataset_clocks (dataset_id) SELECT id FROM datasets;
  ${datasetClockTriggers()}
  `,
  /* 13 -> 14: dataset summaries kept across restarts (store/summarySnapshots.ts) */ `
  -- A dataset's summary (its counts scan its images: ~0.1-0.16 s at 100k) with the version of its
  -- clocks (migration 13) it was read at: the app's first dataset list reads one row per dataset that
  -- did not change since. A cache: not a score input, and nothing else reads it.
  CREATE TABLE dataset_summaries (
    dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  `,
  /* 14 -> 15: undo puts back the region versions an edit replaced (annotations/labelMapEdits.ts) */ `
  -- JSON [[annotation id, version before the edit (0: made by it), version it wrote], ...]. Undo restores
  -- each region's content from it, so an erased COCO instance comes back as itself: written back as
  -- pixels, its pixels went to another instance of its class. NULL (rows of older versions): pixels.
  ALTER TABLE annotation_edits ADD COLUMN regions TEXT;
  `,
  /* 15 -> 16: results with scores are painted lowest score first (store/repos/predictions.ts forSample) */ `
  -- Overlapping COCO results were painted in class order, so a low-scoring result of a later class
  -- covered a confident one. Counts stored for runs whose results carry scores are dropped: the next
  -- evaluation counts them again, in score order.
  DELETE FROM metric_rows WHERE run_id IN (SELECT DISTINCT run_id FROM predictions WHERE score IS NOT NULL);
  DELETE FROM metric_samples WHERE run_id IN (SELECT DISTINCT run_id FROM predictions WHERE score IS NOT NULL);
  `,
  /* 16 -> 17: ids of deleted datasets, runs, images and models are not given out again (store/retiredIds.ts) */ `
  CREATE TABLE retired_ids (tbl TEXT PRIMARY KEY, max_id INTEGER NOT NULL) WITHOUT ROWID;
  -- Ids deleted before this migration are not known; those the job history names (a run, dataset or
  -- model an import, run or evaluation made or used) are not given out again either.
  INSERT INTO retired_ids (tbl, max_id) ${[
    ['datasets', 'datasetId'],
    ['runs', 'runId'],
    ['images', null],
    ['models', 'modelId'],
  ]
    .map(([t, key]) =>
      key === null
        ? `SELECT '${t}', 0`
        : `SELECT '${t}', COALESCE((SELECT MAX(v) FROM (
             SELECT json_extract(params, '$.${key}') AS v FROM jobs WHERE json_valid(params)
             UNION ALL SELECT json_extract(result, '$.${key}') FROM jobs WHERE json_valid(result)) WHERE typeof(v) = 'integer'), 0)`,
    )
    .join(' UNION ALL ')};
  ${['datasets', 'runs', 'images', 'models']
    .map(
      (t) =>
        `CREATE TRIGGER retired_ids_${t} AFTER DELETE ON ${t} BEGIN UPDATE retired_ids SET max_id = OLD.id WHERE tbl = '${t}' AND max_id < OLD.id; END;`,
    )
    .join('\n  ')}
  `,
  /* 17 -> 18: the samples a model run started on a subset covers (metrics/runCoverage.ts) */ `
  -- A complete run scored every sample of its dataset, so one run with --subset TAG scored the images
  -- it never ran on as all background. Rows here: the samples its starts asked for (each start with a
  -- subset adds its samples); no rows: the whole dataset. Writes bump the run's clock (kept lists).
  CREATE TABLE run_samples (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    PRIMARY KEY (run_id, sample_id)
  ) WITHOUT ROWID;
  CREATE INDEX run_samples_by_sample ON run_samples(sample_id);
  CREATE TRIGGER run_clocks_run_samples_insert AFTER INSERT ON run_samples BEGIN INSERT INTO run_clocks (run_id, n) VALUES (NEW.run_id, 1) ON CONFLICT (run_id) DO UPDATE SET n = n + 1; END;
  CREATE TRIGGER run_clocks_run_samples_delete AFTER DELETE ON run_samples BEGIN INSERT INTO run_clocks (run_id, n) VALUES (OLD.run_id, 1) ON CONFLICT (run_id) DO UPDATE SET n = n + 1; END;
  -- Runs started on a subset before this: the samples tagged with it now, and those they hold results for.
  INSERT OR IGNORE INTO run_samples (run_id, sample_id)
    SELECT r.id, s.id FROM runs r JOIN images i ON i.dataset_id = r.dataset_id JOIN samples s ON s.image_id = i.id
    WHERE r.source = 'model' AND json_valid(r.params) AND typeof(json_extract(r.params, '$.subset')) = 'text'
      AND (EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id AND t.name = json_extract(r.params, '$.subset'))
        OR EXISTS (SELECT 1 FROM sample_tags st JOIN tags t ON t.id = st.tag_id WHERE st.sample_id = s.id AND t.name = json_extract(r.params, '$.subset'))
        OR EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = r.id AND p.sample_id = s.id)
        OR EXISTS (SELECT 1 FROM heatmaps h WHERE h.run_id = r.id AND h.sample_id = s.id));
  `,
  /* 18 -> 19: a run's regions and counts hang off the run alone (no index leading with sample_id) */ `
  -- predictions_by_sample and metric_rows_by_sample took an entry on nearly every one of their pages
  -- at each import (a run has rows for every sample, spread over the whole index), so an import
  -- rewrote both indexes whole: ~1,100 pages each with 12 runs against ~80 in an empty workspace, and
  -- "import predictions --eval" went from ~640 ms to ~780 ms as 50 runs piled up. They served only the
  -- ON DELETE CASCADE from samples. A sample is deleted only with its dataset, whose runs go first
  -- (datasets/slicedWrite.ts removeHiddenDataset, repos/datasets.ts delete), taking their rows through
  -- run_id; so both tables are rebuilt without the sample_id foreign key and the indexes go with it.
  -- metric_rows loses its rowid too: its key (run, sample, class) is then its only B-tree, in which a
  -- new run's rows append. Copies every row once (~1-2 s per million on a laptop).
  ALTER TABLE predictions RENAME TO predictions_v18;
  CREATE TABLE predictions (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL,
    class_idx INTEGER NOT NULL CHECK (class_idx BETWEEN 0 AND 255),
    instance INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    rle TEXT NOT NULL,
    area INTEGER NOT NULL,
    score REAL,
    UNIQUE (run_id, sample_id, class_idx, instance)
  );
  INSERT INTO predictions (id, run_id, sample_id, class_idx, instance, height, width, rle, area, score)
    SELECT id, run_id, sample_id, class_idx, instance, height, width, rle, area, score FROM predictions_v18;
  DROP TABLE predictions_v18;
  -- The counter triggers of migrations 6 and 11, which went with the old table.
  CREATE TRIGGER prediction_revs_insert AFTER INSERT ON predictions
    WHEN (SELECT hidden_by FROM runs WHERE id = NEW.run_id) IS NULL
  BEGIN
    INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (NEW.run_id, NEW.sample_id, 1)
      ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 1;
  END;
  CREATE TRIGGER prediction_revs_update AFTER UPDATE ON predictions BEGIN
    UPDATE prediction_revs SET rev = rev + 1 WHERE run_id = OLD.run_id AND sample_id = OLD.sample_id;
    INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (NEW.run_id, NEW.sample_id, 1)
      ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + 1;
  END;
  CREATE TRIGGER prediction_revs_delete AFTER DELETE ON predictions BEGIN
    UPDATE prediction_revs SET rev = rev + 1 WHERE run_id = OLD.run_id AND sample_id = OLD.sample_id;
  END;
  ALTER TABLE metric_rows RENAME TO metric_rows_v18;
  CREATE TABLE metric_rows (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL,
    class_idx INTEGER NOT NULL,
    tp INTEGER NOT NULL,
    fp INTEGER NOT NULL,
    fn INTEGER NOT NULL,
    gt_pixels INTEGER NOT NULL,
    annotation_rev TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, sample_id, class_idx)
  ) WITHOUT ROWID;
  INSERT INTO metric_rows (run_id, sample_id, class_idx, tp, fp, fn, gt_pixels, annotation_rev)
    SELECT run_id, sample_id, class_idx, tp, fp, fn, gt_pixels, annotation_rev FROM metric_rows_v18;
  DROP TABLE metric_rows_v18;
  `,
  /* 19 -> 20: a cached output's heatmaps stay in the rows of the run that computed them (models/resultCodec.ts) */ `
  -- A probability map or a CAM set (1.5-2.5 MB an image) was written twice, as the run's heatmap and
  -- inside its cached output: ~20% of a PP-OCR run's CPU went to the second copy and its checkpoint.
  -- An entry made from now on keeps its heatmaps' sha256 and, here, the run whose rows hold their
  -- bytes; that run's delete takes the entry with it (a rerun then computes the maps again). Entries
  -- made before hold their bytes themselves and stay as they are.
  CREATE TABLE IF NOT EXISTS cached_heatmap_runs (
    key TEXT PRIMARY KEY REFERENCES inference_cache(key) ON DELETE CASCADE,
    run_id INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS cached_heatmap_runs_by_run ON cached_heatmap_runs(run_id);
  CREATE TRIGGER IF NOT EXISTS cached_heatmap_runs_run_delete AFTER DELETE ON runs BEGIN
    DELETE FROM inference_cache WHERE key IN (SELECT key FROM cached_heatmap_runs WHERE run_id = OLD.id);
  END;
  `,
  /* 20 -> 21: a sample's ground truth as one run sequence, kept for counting predictions (metrics/runSequencePack.ts) */ `
  -- Each prediction import counts every PNG against its image's ground truth: decoding the regions'
  -- RLE strings and merging them into one run sequence took a third of that counting. The merged
  -- sequence is kept here with the ground_truth_revs counter it was made from; a row whose counter is
  -- no longer the sample's is never read (and is replaced the next time), so no trigger keeps it.
  CREATE TABLE IF NOT EXISTS ground_truth_runs (
    sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    runs BLOB NOT NULL
  );
  `,
  /* 21 -> 22: every split list an image is in, not only the first (datasets/voc.ts) */ `
  -- images.split holds one split. An id listed in two VOC lists (train and train_aug, or by mistake
  -- train and val) kept only the alphabetically first, so a subset tagged by the other split silently
  -- left it out. Each split an image is listed in is a row here; images.split stays the first (shown,
  -- and what readers of older schemas see). Written with the image, never changed after.
  CREATE TABLE IF NOT EXISTS image_splits (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    PRIMARY KEY (image_id, split)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO image_splits (image_id, split) SELECT id, split FROM images WHERE split IS NOT NULL;
  `,
];

/** Migration 13's triggers: each write that moves a workspace clock of a dataset's score inputs moves its dataset's. */
function datasetClockTriggers(): string {
  const ofImage = (row: string): string => `(SELECT dataset_id FROM images WHERE id = ${row}.image_id)`;
  const ofSample = (row: string): string =>
    `(SELECT i.dataset_id FROM samples s JOIN images i ON i.id = s.image_id WHERE s.id = ${row}.sample_id)`;
  const bump = (clock: 'samples' | 'other' | 'meta', dataset: string): string =>
    `UPDATE dataset_clocks SET ${clock} = ${clock} + 1 WHERE dataset_id = ${dataset};`;
  // Every column of images but review_state (as migration 8's trigger of the 'samples' clock).
  const imageColumns = 'id, dataset_id, path, file_name, sha256, bytes, width, height, split, external_id, exif_orientation, grid';
  // Whether a row's dataset is visible. A dataset being imported or deleted is hidden (migration 10):
  // nothing lists it or keeps a list of it, so its rows' inserts and deletes skip their bumps (a
  // 20,000-image folder import writes ~76k regions; a bump each cost ~10% of its writing), and the
  // update of its row that shows it (or its delete) bumps both of its clocks instead.
  const visible = (dataset: string): string => `(SELECT hidden_by FROM datasets WHERE id = ${dataset}) IS NULL`;
  // [table, event ('UPDATE OF ...' allowed), clock, dataset of a row ('NEW'/'OLD' in it)]
  const rows: Array<[string, string, 'samples' | 'other' | 'meta', (row: string) => string]> = [
    ['classes', 'INSERT', 'meta', (r) => `${r}.dataset_id`],
    ['classes', 'UPDATE', 'meta', (r) => `${r}.dataset_id`],
    ['classes', 'DELETE', 'meta', (r) => `${r}.dataset_id`],
    ['runs', 'INSERT', 'other', (r) => `${r}.dataset_id`],
    ['runs', 'UPDATE', 'other', (r) => `${r}.dataset_id`],
    ['runs', 'DELETE', 'other', (r) => `${r}.dataset_id`],
    ['images', 'INSERT', 'samples', (r) => `${r}.dataset_id`],
    ['images', `UPDATE OF ${imageColumns}`, 'samples', (r) => `${r}.dataset_id`],
    ['images', 'DELETE', 'samples', (r) => `${r}.dataset_id`],
    ['samples', 'INSERT', 'samples', ofImage],
    ['samples', 'UPDATE', 'samples', ofImage],
    ['samples', 'DELETE', 'samples', ofImage],
  ];
  const triggers = rows.map(([table, event, clock, datasetOf]) => {
    const op = event.split(' ')[0]!;
    const name = `dataset_clocks_${table}_${op.toLowerCase()}`;
    const body =
      op === 'INSERT'
        ? [bump(clock, datasetOf('NEW'))]
        : op === 'DELETE'
          ? [bump(clock, datasetOf('OLD'))]
          : [bump(clock, datasetOf('OLD')), bump(clock, datasetOf('NEW'))];
    const bulk = op !== 'UPDATE' && (table === 'images' || table === 'samples');
    return `CREATE TRIGGER ${name} AFTER ${event} ON ${table}${bulk ? ` WHEN ${visible(datasetOf(op === 'INSERT' ? 'NEW' : 'OLD'))}` : ''} BEGIN ${body.join(' ')} END;`;
  });
  // Ground-truth regions: ground_truth_revs is written only by the annotations triggers of migration 6,
  // so these stand for its 'ground truth' clock too, one lookup of the region's dataset per row (a
  // trigger on each table doubled the cost: ~10 us per region of a folder import). A region added or
  // deleted may change whether its sample is scored; one moved to another sample changes it for both
  // (migration 8's 'samples' triggers missed that).
  const region = (row: string, samples: string): string =>
    `UPDATE dataset_clocks SET samples = samples + ${samples}, other = other + 1 WHERE dataset_id = ${ofSample(row)};`;
  triggers.push(
    `CREATE TRIGGER dataset_clocks_annotations_insert AFTER INSERT ON annotations WHEN ${visible(ofSample('NEW'))} BEGIN ${region('NEW', '1')} END;`,
    `CREATE TRIGGER dataset_clocks_annotations_update AFTER UPDATE ON annotations BEGIN UPDATE dataset_clocks SET samples = samples + (OLD.sample_id IS NOT NEW.sample_id), other = other + 1 WHERE dataset_id IN (${ofSample('OLD')}, ${ofSample('NEW')}); END;`,
    `CREATE TRIGGER dataset_clocks_annotations_delete AFTER DELETE ON annotations WHEN ${visible(ofSample('OLD'))} BEGIN ${region('OLD', '1')} END;`,
  );
  // A dataset's own row: its insert makes (or, for a reused id, bumps) its clocks; an update (showing
  // an imported dataset among them) and a delete bump all three too.
  triggers.push(
    `CREATE TRIGGER dataset_clocks_datasets_insert AFTER INSERT ON datasets BEGIN INSERT INTO dataset_clocks (dataset_id, samples, other, meta) VALUES (NEW.id, 1, 1, 1) ON CONFLICT (dataset_id) DO UPDATE SET samples = samples + 1, other = other + 1, meta = meta + 1; END;`,
    `CREATE TRIGGER dataset_clocks_datasets_update AFTER UPDATE ON datasets BEGIN UPDATE dataset_clocks SET samples = samples + 1, other = other + 1, meta = meta + 1 WHERE dataset_id IN (OLD.id, NEW.id); END;`,
    `CREATE TRIGGER dataset_clocks_datasets_delete AFTER DELETE ON datasets BEGIN UPDATE dataset_clocks SET samples = samples + 1, other = other + 1, meta = meta + 1 WHERE dataset_id = OLD.id; END;`,
  );
  return triggers.join('\n  ');
}

/** The condition that metric_samples row `m` is stale: its fingerprint is not the current one. */
function staleWhere(m: string): string {
  return `${m}.rev IS NOT ('g' || COALESCE((SELECT g.rev FROM ground_truth_revs g WHERE g.sample_id = ${m}.sample_id), 0)
      || 'p' || COALESCE((SELECT r.rev FROM prediction_revs r WHERE r.run_id = ${m}.run_id AND r.sample_id = ${m}.sample_id), 0))`;
}

/** Statements listing anew the stale rows among the stored scores matching `where` (over metric_samples m). */
function recomputeStale(deleteWhere: string, where: string): string {
  return `DELETE FROM stale_scores WHERE ${deleteWhere};
    INSERT OR IGNORE INTO stale_scores (run_id, sample_id) SELECT m.run_id, m.sample_id FROM metric_samples m WHERE ${where} AND ${staleWhere('m')};`;
}

/** Migration 12's triggers: a change of a stored score or of a counter recomputes the rows it touches and bumps its clock. */
function staleScoreTriggers(): string {
  const pair = (row: 'NEW' | 'OLD'): string =>
    recomputeStale(
      `run_id = ${row}.run_id AND sample_id = ${row}.sample_id`,
      `m.run_id = ${row}.run_id AND m.sample_id = ${row}.sample_id`,
    );
  const sample = (row: 'NEW' | 'OLD'): string => recomputeStale(`sample_id = ${row}.sample_id`, `m.sample_id = ${row}.sample_id`);
  const runClock = (row: 'NEW' | 'OLD'): string =>
    `INSERT INTO run_clocks (run_id, n) VALUES (${row}.run_id, 1) ON CONFLICT (run_id) DO UPDATE SET n = n + 1;`;
  const truthClock = 'UPDATE score_inputs_clock SET n = n + 1 WHERE id = 4;';
  const sameRunSample = 'OLD.run_id = NEW.run_id AND OLD.sample_id = NEW.sample_id';
  // [table, event, WHEN condition or '', body]. An update that keeps the row's key (every counter
  // bump, every re-score) recomputes that key once; one that moves it, both keys. A deleted stored
  // score only leaves the list (nothing is left to be stale).
  const bodies: Array<[string, string, string, string]> = [
    ['metric_samples', 'INSERT', '', `${pair('NEW')}\n    ${runClock('NEW')}`],
    ['metric_samples', 'UPDATE', sameRunSample, `${pair('NEW')}\n    ${runClock('NEW')}`],
    [
      'metric_samples',
      'UPDATE_KEY',
      `NOT (${sameRunSample})`,
      `${pair('OLD')}\n    ${pair('NEW')}\n    ${runClock('OLD')}\n    ${runClock('NEW')}`,
    ],
    [
      'metric_samples',
      'DELETE',
      '',
      `DELETE FROM stale_scores WHERE run_id = OLD.run_id AND sample_id = OLD.sample_id;\n    ${runClock('OLD')}`,
    ],
    ['prediction_revs', 'INSERT', '', `${pair('NEW')}\n    ${runClock('NEW')}`],
    ['prediction_revs', 'UPDATE', sameRunSample, `${pair('NEW')}\n    ${runClock('NEW')}`],
    [
      'prediction_revs',
      'UPDATE_KEY',
      `NOT (${sameRunSample})`,
      `${pair('OLD')}\n    ${pair('NEW')}\n    ${runClock('OLD')}\n    ${runClock('NEW')}`,
    ],
    ['prediction_revs', 'DELETE', '', `${pair('OLD')}\n    ${runClock('OLD')}`],
    ['ground_truth_revs', 'INSERT', '', `${sample('NEW')}\n    ${truthClock}`],
    ['ground_truth_revs', 'UPDATE', 'OLD.sample_id = NEW.sample_id', `${sample('NEW')}\n    ${truthClock}`],
    ['ground_truth_revs', 'UPDATE_KEY', 'OLD.sample_id <> NEW.sample_id', `${sample('OLD')}\n    ${sample('NEW')}\n    ${truthClock}`],
    ['ground_truth_revs', 'DELETE', '', `${sample('OLD')}\n    ${truthClock}`],
  ];
  return bodies
    .map(([table, event, when, body]) => {
      const op = event === 'UPDATE_KEY' ? 'UPDATE' : event;
      return `CREATE TRIGGER stale_scores_${table}_${event.toLowerCase()} AFTER ${op} ON ${table}${when === '' ? '' : ` WHEN ${when}`} BEGIN\n    ${body}\n  END;`;
    })
    .join('\n  ');
}

export const SCHEMA_VERSION = migrations.length;

/**
 * The oldest schema this code reads as it is, without migrating (a workspace it may not write to:
 * a read-only folder, a damaged file). The migrations after it change only how writes are counted
 * (11: a trigger) or add what triggers keep for faster reads (12: stale_scores and counter clocks,
 * 13: clocks per dataset, which reads do without when absent; 15: what undo restores), so a read-only workspace last written
 * at 10 is still browsed, scored and exported (16 drops counts of scored COCO results made in class order: such a
 * workspace still shows those; 19 drops a foreign key and two indexes that only deletes used; 21 adds a
 * cache that only prediction import, a write, reads; 22 adds every split an image is listed in, which reads
 * take from images.split, its first, when absent).
 */
export const READABLE_FROM = 10;
