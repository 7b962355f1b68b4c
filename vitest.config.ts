import { defineConfig } from 'vitest/config';

// Two projects: `cpu` (pure TypeScript: references, file formats) runs once; `gpu` (files named
// *.gpu.test.ts, which need a WebGPU adapter) is run once per Vulkan driver by
// scripts/run-tests.mjs. Forks, not threads: Dawn is a native addon and each test file gets its
// own process and device.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'cpu', include: ['test/**/*.test.ts'], exclude: ['test/**/*.gpu.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'gpu', include: ['test/**/*.gpu.test.ts'], fileParallelism: false },
      },
    ],
  },
});
