import './builtWorkers';
import { createEngine } from '../src/main/engine/engine';
for (let k = 0; k < 4; k++) {
  let t = performance.now();
  const fresh = createEngine({ workspace: '/tmp/h/g100k/ws' });
  const t0 = performance.now() - t;
  t = performance.now();
  await fresh.dispatch('datasets.list', {});
  const t1 = performance.now() - t;
  t = performance.now();
  await fresh.dispatch('datasets.list', {});
  const t2 = performance.now() - t;
  t = performance.now();
  await fresh.dispatch('workspace.info', {});
  const t3 = performance.now() - t;
  console.log(`open ${t0.toFixed(0)} first list ${t1.toFixed(0)} second ${t2.toFixed(0)} info ${t3.toFixed(1)}`);
  await fresh.close();
}
