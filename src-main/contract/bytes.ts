const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** A size of at least 1 KB in the largest unit of 1024 it reaches: [1.5, 'KB'] for 1536. */
export function inByteUnits(bytes: number): [number, string] {
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return [value, UNITS[unit] as string];
}

/** A size as people read it (512 B, 1.5 KB, 300 MB): the same words in the CLI and on the Backups screen. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [value, unit] = inByteUnits(bytes);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}
