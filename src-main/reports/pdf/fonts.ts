import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MailtrailError } from '../../contract/errors';

/**
 * DejaVu, embedded in every PDF so æ ø å and most scripts render the same everywhere. Resolved as a
 * package (a dependency, so electron-builder ships it in app.asar and npm installs it beside the
 * CLI), never by a path relative to this file, which differs between sources and bundles.
 */
export const FONT_FILES = { sans: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf', monoBold: 'DejaVuSansMono-Bold.ttf' } as const;
export type FontName = keyof typeof FONT_FILES;

let loaded: Record<FontName, Buffer> | undefined;

export function fontDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
}

/** The faces, read once per process. */
export function reportFonts(): Record<FontName, Buffer> {
  if (loaded) return loaded;
  try {
    const directory = fontDirectory();
    loaded = {
      sans: readFileSync(join(directory, FONT_FILES.sans)),
      bold: readFileSync(join(directory, FONT_FILES.bold)),
      mono: readFileSync(join(directory, FONT_FILES.mono)),
      monoBold: readFileSync(join(directory, FONT_FILES.monoBold)),
    };
    return loaded;
  } catch (error) {
    throw new MailtrailError('unavailable', `cannot load the DejaVu fonts for the PDF (${(error as Error).message}); reinstall Mailtrail, or use --format html`);
  }
}
