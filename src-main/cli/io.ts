/** Where a command writes: results on stdout, notes and errors on stderr, one line each. */
export interface CommandIo {
  out(line: string): void;
  note(line: string): void;
}

export const processIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  note: (line) => process.stderr.write(`mailtrail: ${line}\n`),
};

/** A progress line on stderr: redrawn in place on a terminal, one note a line otherwise. */
export function progressOutput(io: CommandIo, tty = Boolean(process.stderr.isTTY)) {
  let drawn = false;
  return {
    tty,
    show(line: string): void {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else io.note(line);
    },
    /** Ends a line drawn in place, so what follows starts on its own. */
    end(): void {
      if (drawn) process.stderr.write('\n');
    },
  };
}
