/** Where a command writes: results on stdout, notes and errors on stderr, one line each. */
export interface CommandIo {
  out(line: string): void;
  note(line: string): void;
}

export const processIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  note: (line) => process.stderr.write(`mailtrail: ${line}\n`),
};
