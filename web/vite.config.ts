/**
 * Vite build of the web page. The page imports the library as a third party would, by its package
 * name (and its `/gpu` sub-path); the aliases point those names at the source entries, so no build
 * of the library is needed and nothing private is reachable. The model runs in a module worker (see src/worker.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here('.'),
  // Relative asset URLs: the built page works from any sub-path (or a plain static server).
  base: './',
  resolve: {
    alias: [
      { find: /^convpaint-webgpu\/(gpu|reference|node)$/, replacement: here('../src/entries') + '/$1.ts' },
      { find: /^convpaint-webgpu$/, replacement: here('../src/index.ts') },
    ],
  },
  // The library's Node-only helpers (file saving in ConvpaintModel.save, `webgpu` for Node) sit
  // behind dynamic imports that never run in a browser. Left external, their `node:` imports stay
  // in lazily loaded chunks that the page never fetches.
  worker: { format: 'es', rollupOptions: { external: [/^node:/] } },
  // Keep class names: the library's errors report `new.target.name` (e.g. WeightsNotFoundError).
  esbuild: { keepNames: true },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { external: [/^node:/] },
    chunkSizeWarningLimit: 2048,
  },
  // Cross-origin isolation gives the page's worker SharedArrayBuffer, which the CPU trainers need
  // to spread over cores (without it they run on one). Serve the built page with the same headers.
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', port: 4173, headers: ISOLATION_HEADERS },
});
