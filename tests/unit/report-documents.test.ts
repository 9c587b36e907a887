import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { CATEGORY_COLOURS } from '../../src-main/contract/taxonomy';
import { verifyDocument, writeDocument, type DocumentInput } from '../../src-main/reports/document';
import { COLOUR_HEX, INK } from '../../src-main/reports/document-text';
import { FONT_FILES, fontDirectory } from '../../src-main/reports/pdf/fonts';
import { pdfObjects, pdfReportData } from '../../src-main/reports/pdf/pdf-file';
import { activityDocument, documentOf, emailDocument, emailEvents, HOSTILE_DESCRIPTION, provenanceOf } from '../support/report-documents';

async function render(format: 'pdf' | 'html', input: DocumentInput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeDocument(format, input, out);
  return Buffer.concat(chunks);
}

async function pdfText(bytes: Buffer): Promise<{ pages: string[]; attachments: Record<string, { content: Uint8Array }> | null }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const document = await pdfjs.getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number += 1) {
    const content = await (await document.getPage(number)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' ').replace(/\s+/g, ' '));
  }
  const attachments = (await document.getAttachments()) as Record<string, { content: Uint8Array }> | null;
  await document.destroy();
  return { pages, attachments };
}

// --- tampering, as someone with a hex editor and zlib would do it ------------------------------

/** Replaces one object's stream with `edit(inflated)`, recompressed, with its /Length fixed. */
function editPdfStream(bytes: Buffer, matches: (content: string) => boolean, edit: (content: string) => string): Buffer {
  for (const [id, object] of pdfObjects(bytes)) {
    if (!object.stream || !object.dictionary.includes('/FlateDecode')) continue;
    const content = inflateSync(object.stream).toString('latin1');
    if (!matches(content)) continue;
    const edited = deflateSync(Buffer.from(edit(content), 'latin1'));
    const text = bytes.toString('latin1');
    const start = text.search(new RegExp(`(^|\\n)${id} 0 obj\\n`));
    const streamAt = text.indexOf('\nstream\n', start) + '\nstream\n'.length;
    const dictionary = text.slice(start, streamAt).replace(/\/Length \d+/, `/Length ${edited.length}`);
    return Buffer.concat([bytes.subarray(0, start), Buffer.from(dictionary, 'latin1'), edited, bytes.subarray(streamAt + object.stream.length)]);
  }
  throw new Error('no such stream');
}

const editPdfData = (bytes: Buffer, edit: (lines: string[]) => string[]) =>
  editPdfStream(
    bytes,
    (content) => content.startsWith('{"report":'),
    (content) => Buffer.from(`${edit(Buffer.from(content, 'latin1').toString('utf8').split('\n').slice(0, -1)).join('\n')}\n`, 'utf8').toString('latin1'),
  );

/** Changes one glyph of the text drawn after `mark` in a page's content stream. */
const editPdfPart = (bytes: Buffer, mark: string) =>
  editPdfStream(
    bytes,
    (content) => content.includes(`%mt ${mark}\n`),
    (content) => {
      const at = content.indexOf(`%mt ${mark}\n`);
      const glyph = content.indexOf('[<', at) + 2;
      const digit = content[glyph + 3] === '1' ? '2' : '1';
      return `${content.slice(0, glyph + 3)}${digit}${content.slice(glyph + 4)}`;
    },
  );

const htmlDataLines = (html: string) => {
  const lines = html.split('\n');
  const open = lines.findIndex((line) => line.startsWith('<script type="application/json"'));
  return { lines, open, close: lines.indexOf('</script>', open) };
};

const editHtmlData = (bytes: Buffer, edit: (data: string[]) => string[]) => {
  const { lines, open, close } = htmlDataLines(bytes.toString('utf8'));
  return Buffer.from([...lines.slice(0, open + 1), ...edit(lines.slice(open + 1, close)), ...lines.slice(close)].join('\n'), 'utf8');
};

describe('the PDF report', () => {
  it('holds the title, the scope, æøå intact, the zone and each event of a small email as text', async () => {
    const input = emailDocument('pdf');
    const { pages } = await pdfText(await render('pdf', input));
    const text = pages.join(' ');
    expect(text).toContain('Sag 2026-17: Ærø Øl & Å-kiosk');
    expect(text).toContain('the timeline of email 42');
    expect(text).toContain('Europe/Copenhagen');
    expect(text).toContain(input.totals.sha256);
    for (const event of emailEvents()) expect(text).toContain(event.description);
    expect(text).toContain('Archived');
    expect(pages[0]).toContain(`page 1 of ${pages.length}`);
  });

  it('carries its data as the attachment mailtrail-report.jsonl, readable by a PDF reader', async () => {
    const input = emailDocument('pdf');
    const { attachments } = await pdfText(await render('pdf', input));
    const data = Buffer.from(attachments!['mailtrail-report.jsonl']!.content).toString('utf8').trim().split('\n');
    expect(JSON.parse(data[0]!).report.title).toBe(input.provenance.title);
    expect(JSON.parse(data[3]!).description).toBe(emailEvents()[2]!.description);
    expect(JSON.parse(data.at(-1)!).totals.sha256).toBe(input.totals.sha256);
  });

  it('is the same bytes for the same input', async () => {
    const input = activityDocument('pdf', 60);
    const first = await render('pdf', input);
    const second = await render('pdf', structuredClone(input));
    expect(first.equals(second)).toBe(true);
  });

  it('says plainly when it shows only the first events, on the cover and after the table', async () => {
    const { pages } = await pdfText(await render('pdf', activityDocument('pdf', 30, 12_345)));
    const notice = 'This PDF shows the first 30 of 12,345 events; the full data is in the CSV or JSONL export of the same scope.';
    expect(pages[0]).toContain(notice);
    expect(pages.at(-1)).toContain(notice);
    expect(pages.join(' ')).toContain('30 of 12,345 events shown');
  });

  it('repeats the table header on every page of events and numbers the pages', async () => {
    const { pages } = await pdfText(await render('pdf', activityDocument('pdf', 120)));
    const tablePages = pages.slice(2);
    expect(tablePages.length).toBeGreaterThan(2);
    for (const [index, page] of tablePages.entries()) {
      expect(page).toContain('DESCRIPTION · METADATA');
      expect(page).toContain(`page ${index + 3} of ${pages.length}`);
    }
  });

  it('shows characters the font lacks as a visible code, and keeps them in the data', async () => {
    const events = emailEvents().slice(0, 2);
    events[1] = { ...events[1]!, description: 'Unicorn 🦄 and 漢字 and Ærø, \u202Eevil' };
    const bytes = await render('pdf', documentOf(provenanceOf('pdf', { kind: 'email', emailId: 42 }, 'email 42'), events));
    const { pages } = await pdfText(bytes);
    expect(pages.join(' ')).toContain('Unicorn [U+1F984] and [U+6F22][U+5B57] and Ærø, [U+202E]evil');
    expect(pdfReportData(pdfObjects(bytes))).toContain('Unicorn 🦄 and 漢字 and Ærø, \u202Eevil');
    expect((await verifyDocument('pdf', bytes)).verified).toBe(true);
  });
});

describe('the HTML report', () => {
  it('is one file with no scripts to run and no external resources', async () => {
    const html = (await render('html', emailDocument('html'))).toString('utf8');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script type="application/json" id="mailtrail-report">');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/url\(/);
    expect(html).toContain("default-src 'none'");
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(1);
  });

  it('escapes hostile descriptions and metadata, in the page and in the data block', async () => {
    const events = emailEvents().slice(0, 2);
    events[1] = { ...events[1]!, description: HOSTILE_DESCRIPTION, metadata: { '<b>key</b>': '</script><script>alert(1)</script>' } };
    const input = documentOf(provenanceOf('html', { kind: 'email', emailId: 42 }, 'email 42', 'Title "quoted" <i>x</i>'), events);
    const html = (await render('html', input)).toString('utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<i>x</i>');
    expect(html).not.toContain('<b>key</b>');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; &amp; ampersand');
    expect(html).toContain('<p class="description" dir="auto">');
    // A right-to-left override would show "evil" as "live": it is shown as its code instead.
    expect(html).toContain('[U+202E]evil');
    expect(html.slice(0, html.indexOf('<script type="application/json"'))).not.toContain('\u202E');
    const verified = await verifyDocument('html', Buffer.from(html, 'utf8'));
    expect(verified.problems).toEqual([]);
    const { lines, open, close } = htmlDataLines(html);
    expect(JSON.parse(lines.slice(open + 1, close)[2]!).description).toBe(HOSTILE_DESCRIPTION);
  });

  it('is the same bytes for the same input, and says when it shows only the first events', async () => {
    const input = activityDocument('html', 40, 900);
    const first = await render('html', input);
    expect(first.equals(await render('html', structuredClone(input)))).toBe(true);
    const notice = 'This HTML file shows the first 40 of 900 events; the full data is in the CSV or JSONL export of the same scope.';
    expect(first.toString('utf8').split(notice)).toHaveLength(3);
  });

  it('holds each event of the activity as a row coloured by its category', async () => {
    const html = (await render('html', activityDocument('html', 9))).toString('utf8');
    expect(html.match(/<tr class="event"/g)).toHaveLength(9);
    expect(html).toContain(`<tr class="event" data-event-id="100000" data-category="system" style="--cat:${COLOUR_HEX.blue!.strong}`);
    expect(html).toContain(`data-category="user" style="--cat:${COLOUR_HEX.green!.strong}`);
  });
});

describe.each(['pdf', 'html'] as const)('verifying a %s report', (format) => {
  const tamper = {
    dataDescription: (bytes: Buffer) =>
      format === 'pdf'
        ? editPdfData(bytes, (lines) => lines.map((line, index) => (index === 3 ? line.replace('Invoice intake', 'Invoice intakf') : line)))
        : editHtmlData(bytes, (lines) => lines.map((line, index) => (index === 3 ? line.replace('Invoice intake', 'Invoice intakf') : line))),
    visibleDescription: (bytes: Buffer) =>
      format === 'pdf'
        ? editPdfPart(bytes, 'event 3 (id 5523): description')
        : Buffer.from(bytes.toString('utf8').replace('Workflow &quot;Invoice intake&quot; ran', 'Workflow &quot;Invoice intakf&quot; ran'), 'utf8'),
    eventRemoved: (bytes: Buffer) =>
      format === 'pdf' ? editPdfData(bytes, (lines) => lines.filter((_, index) => index !== 3)) : editHtmlData(bytes, (lines) => lines.filter((_, index) => index !== 3)),
    provenanceEdited: (bytes: Buffer) =>
      format === 'pdf'
        ? editPdfData(bytes, (lines) => lines.map((line, index) => (index === 0 ? line.replace('"generated_by":"auditor"', '"generated_by":"someone"') : line)))
        : editHtmlData(bytes, (lines) => lines.map((line, index) => (index === 0 ? line.replace('"generated_by":"auditor"', '"generated_by":"someone"') : line))),
    visibleTitle: (bytes: Buffer) =>
      format === 'pdf' ? editPdfPart(bytes, 'provenance: title') : Buffer.from(bytes.toString('utf8').replace('<h1 dir="auto">Sag 2026-17', '<h1 dir="auto">Sag 2026-18'), 'utf8'),
  };

  it('passes an untouched report', async () => {
    const input = emailDocument(format);
    const result = await verifyDocument(format, await render(format, input));
    expect(result).toEqual({ verified: true, format, title: input.provenance.title, events: 7, sha256: input.totals.sha256, problems: [] });
  });

  it('fails when one character of one event is changed in the data', async () => {
    const result = await verifyDocument(format, tamper.dataDescription(await render(format, emailDocument(format))));
    expect(result.verified).toBe(false);
    expect(result.problems.some((line) => line.startsWith('the digest does not match the data'))).toBe(true);
    expect(result.problems).toContain('event 3 (id 5523): description differs from the data');
  });

  it('fails when one character of one event is changed in what the document shows', async () => {
    const tampered = tamper.visibleDescription(await render(format, emailDocument(format)));
    const result = await verifyDocument(format, tampered);
    expect(result.verified).toBe(false);
    expect(result.problems[0]).toMatch(/^the document was altered after it was made/);
    expect(result.problems).toContain('event 3 (id 5523): description differs from the data');
  });

  it('fails when an event is removed', async () => {
    const result = await verifyDocument(format, tamper.eventRemoved(await render(format, emailDocument(format))));
    expect(result.verified).toBe(false);
    expect(result.problems[0]).toBe('cut short: the data holds 6 events, its totals say 7 (an event was removed)');
  });

  it('fails when a figure of the summary is edited in the data: the digest covers it', async () => {
    const editSummary = (lines: string[]) =>
      lines.map((line, index) => (index === 0 ? line.replace(/("summary":\{"by_type":\[\{"count":)(\d+)/, (_, head: string, count: string) => `${head}${Number(count) + 1}`) : line));
    const bytes = await render(format, emailDocument(format));
    const tampered = format === 'pdf' ? editPdfData(bytes, editSummary) : editHtmlData(bytes, editSummary);
    expect(tampered.equals(bytes)).toBe(false);
    const result = await verifyDocument(format, tampered);
    expect(result.verified).toBe(false);
    expect(result.problems.some((line) => line.startsWith('the digest does not match the data'))).toBe(true);
  });

  it('fails when the provenance is edited, in the data or on the cover', async () => {
    const bytes = await render(format, emailDocument(format));
    const inData = await verifyDocument(format, tamper.provenanceEdited(bytes));
    expect(inData.verified).toBe(false);
    expect(inData.problems).toContain('provenance edited: Generated by differs from the data');
    const onCover = await verifyDocument(format, tamper.visibleTitle(bytes));
    expect(onCover.verified).toBe(false);
    expect(onCover.problems).toContain('provenance edited: title differs from the data');
  });

  it('fails, with one clear line, on a file cut short or a foreign file', async () => {
    const bytes = await render(format, emailDocument(format));
    const cut = await verifyDocument(format, bytes.subarray(0, bytes.length - 400));
    expect(cut.verified).toBe(false);
    expect(cut.problems[0]).toMatch(/^cut short/);
    const foreign = await verifyDocument(format, Buffer.from('hello, not a report\n'));
    expect(foreign).toMatchObject({ verified: false, format, title: null });
    expect(foreign.problems).toHaveLength(1);
  });
});

describe('an HTML report altered in other ways', () => {
  it('fails, saying so in one line, when its line endings were converted to CRLF', async () => {
    const bytes = await render('html', emailDocument('html'));
    const result = await verifyDocument('html', Buffer.from(bytes.toString('utf8').replace(/\n/g, '\r\n'), 'utf8'));
    expect(result.problems).toEqual(['the line endings were changed to CRLF after it was made (a text tool or transfer converted them)']);
  });

  it('fails when a row is removed from what it shows', async () => {
    const html = (await render('html', emailDocument('html'))).toString('utf8');
    const tampered = html.replace(/<p class="description" dir="auto">Rule &quot;Large invoices&quot;[^\n]*\n/, '');
    expect(tampered.length).toBeLessThan(html.length);
    const result = await verifyDocument('html', Buffer.from(tampered, 'utf8'));
    expect(result.problems).toEqual([
      'the document was altered after it was made: what it shows differs from the data it carries',
      'event 4 (id 5524): description differs from the data',
      '1 line was removed',
    ]);
  });
});

describe('a PDF report altered in other ways', () => {
  it('fails when bytes are appended after its end (an incremental update)', async () => {
    const bytes = await render('pdf', emailDocument('pdf'));
    const update = '\n1 0 obj\n<< /Title (x) >>\nendobj\n%%EOF\n';
    const result = await verifyDocument('pdf', Buffer.concat([bytes, Buffer.from(update)]));
    expect(result.problems).toEqual([`the document was altered after it was made: ${update.length} bytes were appended after its end (an incremental update)`]);
  });

  it('fails on a PDF that carries no report data', async () => {
    const doc = new PDFDocument();
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => doc.on('end', resolve));
    doc.text('an ordinary PDF');
    doc.end();
    await ended;
    const result = await verifyDocument('pdf', Buffer.concat(chunks));
    expect(result.problems).toEqual(['not a Mailtrail report: this PDF carries no mailtrail-report.jsonl']);
  });
});

describe('the documents’ parts', () => {
  it('use the screens’ category colours (tokens.css)', () => {
    const tokens = readFileSync(fileURLToPath(new URL('../../src-renderer/styles/tokens.css', import.meta.url)), 'utf8');
    const token = (name: string) => new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, 'i').exec(tokens)?.[1]?.toLowerCase();
    for (const colour of [...Object.values(CATEGORY_COLOURS), 'neutral']) {
      expect(COLOUR_HEX[colour]).toEqual({ strong: token(`colour-${colour}`), soft: token(`colour-${colour}-soft`) });
    }
    expect([INK.text, INK.danger, INK.success]).toEqual([token('text'), token('danger'), token('success')]);
  });

  it('find the DejaVu fonts as a package', () => {
    for (const file of Object.values(FONT_FILES)) expect(existsSync(join(fontDirectory(), file))).toBe(true);
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    // A dependency (not a devDependency), so electron-builder packs it into the app.
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['pdfkit', 'dejavu-fonts-ttf']));
  });

  it.each(['pdf', 'html'] as const)('a %s write rejects, never hangs, when its output closes early (a cancelled export)', async (format) => {
    let written = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        callback();
        if (written > 2048) out.destroy();
      },
    });
    await expect(writeDocument(format, activityDocument(format, 300), out)).rejects.toThrow(/premature close/i);
  });

  it('refuse input whose digest does not match its events, or whose format is another', async () => {
    const input = emailDocument('pdf');
    await expect(writeDocument('pdf', { ...input, events: input.events.slice(1) }, new PassThrough())).rejects.toThrow(/totals do not match its events/);
    await expect(writeDocument('html', input, new PassThrough())).rejects.toThrow(/provenance says format pdf/);
  });

  it('refuse more events than a document holds', async () => {
    const input = activityDocument('pdf', 5);
    const tooMany = { ...input, events: Array.from({ length: 5_001 }, () => input.events[0]!) };
    await expect(writeDocument('pdf', tooMany, new PassThrough())).rejects.toThrow(/at most 5000 events/);
  });
});

describe('documents at the edges', () => {
  it.each(['pdf', 'html'] as const)('an empty %s report (a filter that matches nothing) renders and verifies', async (format) => {
    const empty = documentOf(provenanceOf(format, { kind: 'activity', text: 'nothing matches this' }, 'events whose text has "nothing matches this"'), []);
    const bytes = await render(format, empty);
    expect(await verifyDocument(format, bytes)).toMatchObject({ verified: true, events: 0 });
    const text = format === 'pdf' ? (await pdfText(bytes)).pages.join(' ') : bytes.toString('utf8');
    expect(text).toContain('No events in this scope.');
    expect(text).toContain('End of report: 0 events.');
  });

  it('keeps a huge event of one email within its page and the whole text in the data', async () => {
    const events = emailEvents().slice(0, 3);
    const metadata = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`field_${index}`, 'v'.repeat(250)]));
    events[1] = { ...events[1]!, description: 'Ø'.repeat(12_000), metadata };
    const bytes = await render('pdf', documentOf(provenanceOf('pdf', { kind: 'email', emailId: 42 }, 'email 42'), events));
    const { pages } = await pdfText(bytes);
    expect(pages.length).toBeLessThanOrEqual(3);
    expect(pages.join(' ')).toContain('more fields (in the data)');
    expect(pdfReportData(pdfObjects(bytes))).toContain('Ø'.repeat(12_000));
    expect((await verifyDocument('pdf', bytes)).verified).toBe(true);
  });
});
