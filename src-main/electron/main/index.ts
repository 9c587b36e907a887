import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import { reportOriginOf } from '../../reports/report-origin';
import { openLogSource } from '../../source/open-source';
import { loadUnpackedPackagesFromDisk } from './asar-unpacked';
import { startDesktopApp } from './desktop-app';

if (app.isPackaged && !loadUnpackedPackagesFromDisk()) {
  console.warn('this Electron has no module.registerHooks; the embedded demo database may not start from app.asar');
}

// electron-vite puts main in out/main, the sandboxed preload in out/preload and the renderer in out/renderer.
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');

startDesktopApp({
  openSource: async (options) => {
    const source = await openLogSource({ ...options, onProgress: (message) => console.log(message) });
    return { ...source, kind: source.store.source.kind, reportOrigin: () => reportOriginOf(source), adminDb: () => source.admin?.db ?? null };
  },
  preloadPath: join(outDir, 'preload', 'index.cjs'),
  rendererDir: join(outDir, 'renderer'),
  argv: process.argv.slice(1),
  // The second entry of electron.vite.config.ts's main build, next to this bundle.
  syncWorkerUrl: new URL('./sync-worker.js', import.meta.url),
}).catch((error: unknown) => {
  console.error(`Mailtrail could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
