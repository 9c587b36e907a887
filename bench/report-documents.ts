/**
 * Times the PDF and HTML writers on made-up input (issue 14: a 5,000-event PDF under 10 s, the
 * one-email PDF under 1 s): `npx tsx bench/report-documents.ts [--runs N] [--out DIR]`. Prints one
 * line per figure, the median of the runs; the first one-email run includes loading the fonts.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DOCUMENT_MAX_EVENTS } from '../src-main/contract/reports';
import { verifyDocument, writeDocument, type DocumentInput } from '../src-main/reports/document';
import { activityDocument, emailDocument } from '../tests/support/report-documents';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, out: { type: 'string' } } });
const runs = Number(values.runs);
const directory = values.out ?? mkdtempSync(join(tmpdir(), 'mailtrail-documents-'));
mkdirSync(directory, { recursive: true });

async function time(label: string, format: 'pdf' | 'html', input: DocumentInput): Promise<void> {
  const file = join(directory, `${label.replace(/\W+/g, '-')}.${format}`);
  const write: number[] = [];
  const verify: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    let start = performance.now();
    await writeDocument(format, input, createWriteStream(file));
    write.push(performance.now() - start);
    start = performance.now();
    const result = await verifyDocument(format, readFileSync(file));
    verify.push(performance.now() - start);
    if (!result.verified) throw new Error(`${label}: ${result.problems.join('; ')}`);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const first = write[0]!.toFixed(0);
  console.log(`${label} ${format}: write ${median(write).toFixed(0)} ms (first ${first} ms), verify ${median(verify).toFixed(0)} ms, ${(statSync(file).size / 1e6).toFixed(2)} MB, peak rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}

await time('one email (7 events)', 'pdf', emailDocument('pdf'));
await time(`activity (${DOCUMENT_MAX_EVENTS} events)`, 'pdf', activityDocument('pdf', DOCUMENT_MAX_EVENTS, 1_000_000));
await time('one email (7 events)', 'html', emailDocument('html'));
await time(`activity (${DOCUMENT_MAX_EVENTS} events)`, 'html', activityDocument('html', DOCUMENT_MAX_EVENTS, 1_000_000));
if (!values.out) rmSync(directory, { recursive: true, force: true });
