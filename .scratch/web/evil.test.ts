import { test } from 'vitest';
import { webFixture } from '../../test/web/helpers.js';
test('evil', async () => {
  const f = await webFixture();
  f.feed({ kind: 'context-lifecycle', id: '504001', device: 'ace1', context: 'VC_<script>x</script>', originContext: 'Admin', change: 'added', user: 'x' });
  console.log(f.store.contexts().map(c => c.context), f.records.map(r=>`${r.kind} ${r.rule} ${r.reason}`));
  const r = await f.app.inject(`/contexts/ace1/${encodeURIComponent('VC_<script>x</script>')}`);
  console.log(r.statusCode, r.body.slice(0, 300));
  const r2 = await f.app.inject(`/api/v1/contexts/ace1/${encodeURIComponent('VC_<script>x</script>')}`);
  console.log(r2.statusCode, r2.body.slice(0, 300));
  await f.shutdown();
});
