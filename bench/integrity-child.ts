/**
 * One tamper-evidence command in a process of its own, for the integrity bench: `mailtrail seal` and
 * `mailtrail verify --db` exactly as the CLI runs them (its own command functions), with the process's
 * CPU time and peak resident memory, as one JSON line on stdout (the bench times the process from outside).
 * Arguments: seal DATABASE_URL KEY_FILE | verify DATABASE_URL.
 */
import { runSeal, runVerify } from '../src-main/cli/integrity.command';

const [mode, url, key] = process.argv.slice(2) as [string, string, string | undefined];
const lines: string[] = [];
const io = { out: (line: string) => lines.push(line), note: (line: string) => process.stderr.write(`${line}\n`) };
const cpu = process.cpuUsage();
const code =
  mode === 'seal'
    ? await runSeal({ db: url, key: key as string, head: undefined }, io)
    : await runVerify({ db: url, cache: undefined, head: undefined, keyPub: undefined, json: true }, io);
const used = process.cpuUsage(cpu);
if (code !== 0) throw new Error(`${mode} exited ${code}: ${lines.join('\n').slice(0, 2000)}`);
// seal prints a sentence; verify --json prints the report, whose events_checked the bench reports.
const report = mode === 'verify' ? (JSON.parse(lines.at(-1) as string) as { events_checked: number; intact: boolean }) : null;
console.log(
  JSON.stringify({
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    said: lines.at(-1),
    eventsChecked: report?.events_checked,
    intact: report?.intact,
  }),
);
process.exit(0);
