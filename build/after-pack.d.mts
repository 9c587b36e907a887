import type { FuseV1Options } from '@electron/fuses';

export interface AfterPackContextLike {
  appOutDir: string;
  electronPlatformName: string;
  packager: { executableName?: string; appInfo: { productFilename: string } };
}

export declare const FUSES: Record<FuseV1Options, boolean>;
export declare function electronBinaryPath(context: AfterPackContextLike): string;
export default function afterPack(context: AfterPackContextLike): Promise<void>;
