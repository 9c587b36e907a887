import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type UserConfig } from 'vite';

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The renderer build, shared by `npm run build:renderer` (browser mode) and electron.vite.config.ts. */
export const rendererConfig: UserConfig = {
  root: fromRoot('./src-renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: fromRoot('./out/renderer'),
    emptyOutDir: true,
    // Inline assets would need `data:` in script/style CSP; keep every asset a file.
    assetsInlineLimit: 0,
  },
};

export default defineConfig(rendererConfig);
