import Database from 'better-sqlite3';
import { decodeMask } from '../../../src/main/engine/masks';

/** Reads the workspace database the server writes (WAL: a reader sees every committed transaction). */
export function readStore<T>(dbFile: string, read: (db: Database.Database) => T): T {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The stored versions of one class's region on an image, and the current one decoded to pixels (null: none). */
export function regionVersions(
  dbFile: string,
  imageId: number,
  classIdx: number,
): { versions: Array<{ version: number; source: string; area: number }>; current: Uint8Array | null } {
  return readStore(dbFile, (db) => {
    const rows = db
      .prepare(
        `SELECT v.version, v.source, v.area, v.rle, v.height, v.width, a.current_version FROM annotation_versions v
         JOIN annotations a ON a.id = v.annotation_id JOIN samples s ON s.id = a.sample_id
         WHERE s.image_id = ? AND a.class_idx = ? ORDER BY v.version`,
      )
      .all(imageId, classIdx) as Array<{
      version: number;
      source: string;
      area: number;
      rle: string;
      height: number;
      width: number;
      current_version: number;
    }>;
    const cur = rows.find((r) => r.version === r.current_version);
    return {
      versions: rows.map((r) => ({ version: r.version, source: r.source, area: r.area })),
      current: cur === undefined ? null : decodeMask({ size: [cur.height, cur.width], counts: cur.rle }),
    };
  });
}
