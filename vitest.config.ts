import { defineConfig } from 'vitest/config';

// Three projects: `cpu` (pure TypeScript: references, file formats) runs once; `gpu` (files named
// *.gpu.test.ts, which need a WebGPU adapter) is run once per Vulkan driver by
// scripts/run-tests.mjs; `big` (*.big.test.ts: GPU tests of minutes, the 8192² image) once, on
// the first driver. Forks, not threads: Dawn is a native addon and each test file gets its
// own process and device.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'cpu', include: ['test/**/*.test.ts'], exclude: ['test/**/*.gpu.test.ts', 'test/**/*.big.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'gpu', include: ['test/**/*.gpu.test.ts'], fileParallelism: false },
      },
      {
        // GPU tests too slow on software Vulkan to repeat per driver (the 8192² image): run once.
        extends: true,
        test: { name: 'big', include: ['test/**/*.big.test.ts'], fileParallelism: false },
      },
    ],
  },
});
