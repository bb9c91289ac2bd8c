# CPU vs CUDA: the maps `tessera export --format npy --raw` wrote from two workspaces (used by real-model.sh).
import json, sys, pathlib
import numpy as np
a, b, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
rows, worst = [], 0.0
for f in sorted(a.rglob('*.npy')):
    rel = f.relative_to(a)
    x = np.load(f).astype(np.float64); y = np.load(b / rel).astype(np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    d = float(np.abs(x[ok] - y[ok]).max()) if ok.any() else 0.0
    worst = max(worst, d)
    rows.append({'file': str(rel), 'shape': list(x.shape), 'maxAbsDiff': d,
                 'nanSame': bool((np.isnan(x) == np.isnan(y)).all()),
                 'maskDiffering': int(((x > 0.3) != (y > 0.3)).sum()), 'pixels': int(x.size)})
json.dump({'files': len(rows), 'maxAbsDiff': worst, 'rows': rows}, open(out, 'w'), indent=1)
print(f'real model CPU vs CUDA: {len(rows)} maps, max |d| {worst:.3g}, mask pixels differing {sum(r["maskDiffering"] for r in rows)}')
