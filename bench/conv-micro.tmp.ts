import { GpuContext } from '../src/gpu/context.js';
import { conv3x3, conv3x3Naive, uploadConv3x3Weights } from '../src/ops/conv3x3.js';
const ctx = await GpuContext.create();
const which = (process.env.WHICH ?? 'tiled,naive').split(',');
for (const [cin, cout, h, w] of [[64, 64, 128, 144], [3, 64, 128, 144]]) {
  const src = ctx.upload(new Float32Array(cin * h * w).fill(0.5), [1, cin, h, w], 'src');
  const layer = uploadConv3x3Weights(ctx, new Float32Array(cout * cin * 9).fill(0.01), new Float32Array(cout), cout, cin, 'l');
  const raw = ctx.upload(new Float32Array(cout * cin * 9).fill(0.01), [cout, cin, 3, 3], 'raw');
  for (const kind of which) {
    let best = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      const b = ctx.batch('x');
      const out = kind === 'tiled' ? conv3x3(b, src, layer, { relu: true }) : conv3x3Naive(b, src, raw, layer.bias, { relu: true });
      const r = b.read(out, 0, 1);
      await b.submit(); await r;
      best = Math.min(best, (performance.now() - t0) / 1000);
      out.dispose();
    }
    const gflop = 2 * cout * cin * 9 * h * w / 1e9;
    console.log(`${kind} ${cin}->${cout} ${h}x${w}: ${best.toFixed(3)} s, ${(gflop / best).toFixed(2)} GFLOP/s`);
  }
  src.dispose(); layer.dispose(); raw.dispose();
}
ctx.dispose();
