import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds out/cli once per run, so the tests that spawn bin/mailtrail.js run the sources as they are now. */
export default function setup() {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-cli.mjs', import.meta.url))], { stdio: 'inherit' });
}
