// electron-builder afterPack hook: flips Electron's fuses as the security checklist recommends,
// before electron-builder signs the app (fuses change the binary, so they must come first).
import { join } from 'node:path';
import fuses from '@electron/fuses';

const { flipFuses, FuseV1Options, FuseVersion } = fuses;

/** What each fuse is set to; a fuse this list does not name keeps Electron's default. */
export const FUSES = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

const isMac = (platform) => platform === 'darwin' || platform === 'mas';

/** The packed Electron executable (the .app bundle on macOS; @electron/fuses finds the framework inside). */
export function electronBinaryPath({ appOutDir, electronPlatformName, packager }) {
  if (electronPlatformName === 'linux') return join(appOutDir, packager.executableName);
  if (electronPlatformName === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  if (isMac(electronPlatformName)) return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  throw new Error(`after-pack: unknown platform ${electronPlatformName}; cannot flip Electron fuses`);
}

export default async function afterPack(context) {
  await flipFuses(electronBinaryPath(context), {
    version: FuseVersion.V1,
    // Flipping fuses breaks the ad-hoc signature of arm64 macOS binaries; re-sign ad hoc before the real signing.
    resetAdHocDarwinSignature: isMac(context.electronPlatformName),
    ...FUSES,
  });
}
