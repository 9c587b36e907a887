import { PassThrough, type Writable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type { ActivityEvent } from '../../contract/schemas';
import { encodeReportData, REPORT_DATA_NAME } from '../document-data';
import type { DocumentInput } from '../document';
import {
  actorOf,
  categoryColour,
  codeOf,
  formatCount,
  formatTime,
  HIDDEN_CHARACTERS,
  INK,
  metadataInLine,
  metadataLines,
  provenanceFacts,
  summaryCharts,
  timelineGap,
  truncationNotice,
  VERIFY_HINT,
  workflowBars,
  WORKFLOW_COLOURS,
  type Chart,
} from '../document-text';
import { reportFonts, type FontName } from './fonts';

/**
 * The PDF report, drawn with pdfkit (no browser, so the CLI and the app make the same file).
 * Deterministic: the dates are the provenance's, the file id derives from them, fonts are subset in
 * glyph order, so the same input gives the same bytes and `verify` can re-render and compare.
 * Every drawn part is preceded by a content-stream comment `%mt <label>`, which lets verify name
 * what differs ("event 3 (id 5523): description").
 */
export const PDF_MARK = '%mt ';

const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const LEFT = 42;
const RIGHT = PAGE_WIDTH - 42;
const WIDTH = RIGHT - LEFT;
const TOP = 62;
const BOTTOM = PAGE_HEIGHT - 50;
/** Rows drawn between turns of the event loop, so a server or the app stays responsive while a PDF is drawn. */
const YIELD_EVERY = 100;
/** A description longer than this is cut in the table (the data keeps it whole), so no row outgrows a page. */
const DESCRIPTION_MAX = 1_500;
const TIMELINE_DESCRIPTION_MAX = 2_000;

const COLUMNS = {
  time: { x: LEFT + 8, width: 62 },
  event: { x: LEFT + 74, width: 112 },
  email: { x: LEFT + 190, width: 38 },
  user: { x: LEFT + 232, width: 64 },
  description: { x: LEFT + 300, width: RIGHT - (LEFT + 300) },
};

interface GlyphSource {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

type Doc = PDFKit.PDFDocument;

class PdfReport {
  private readonly doc: Doc;
  private y = TOP;
  private readonly glyphs = new Map<FontName, GlyphSource>();
  private readonly visibleCache = new Map<string, string>();

  constructor(private readonly report: DocumentInput) {
    const generated = Date.parse(report.provenance.generated_at);
    const date = new Date(Number.isFinite(generated) ? generated : 0);
    this.doc = new PDFDocument({
      autoFirstPage: false,
      bufferPages: true,
      size: 'A4',
      info: {
        Title: report.provenance.title,
        Author: report.provenance.generated_by,
        Subject: report.provenance.scope_text,
        Keywords: `mailtrail report, sha256 ${report.totals.sha256}`,
        Creator: `Mailtrail ${report.provenance.mailtrail_version}`,
        Producer: 'Mailtrail (PDFKit)',
        CreationDate: date,
        ModDate: date,
      },
    });
    const fonts = reportFonts();
    for (const name of ['sans', 'bold', 'mono', 'monoBold'] as const) {
      this.doc.registerFont(name, fonts[name]);
      this.doc.font(name);
      this.glyphs.set(name, (this.doc as unknown as { _font: { font: GlyphSource } })._font.font);
    }
    this.doc.file(Buffer.from(encodeReportData(report), 'utf8'), {
      name: REPORT_DATA_NAME,
      type: 'application/jsonl',
      description: 'The report data (provenance, events, totals) that mailtrail verify checks',
      creationDate: date,
      modifiedDate: date,
    });
  }

  get stream(): Doc {
    return this.doc;
  }

  async render(): Promise<void> {
    this.addPage(false);
    this.cover();
    if (this.report.provenance.scope.kind === 'email') {
      this.emailSummary();
      await this.timeline();
    } else {
      this.addPage(true);
      this.summary();
      await this.table();
    }
    if (this.doc.destroyed) return;
    this.footers();
    this.doc.end();
  }

  // --- drawing primitives -------------------------------------------------------------------

  private mark(label: string): void {
    this.doc.addContent(`${PDF_MARK}${label.replace(/[\r\n]/g, ' ')}`);
  }

  /** The text as the font can show it: characters it lacks (and control characters) as a visible [U+XXXX]. */
  private visible(text: string, font: FontName): string {
    const key = `${font}\u0000${text}`;
    const cached = this.visibleCache.get(key);
    if (cached !== undefined) return cached;
    const glyphs = this.glyphs.get(font)!;
    let out = '';
    for (const character of text.replace(HIDDEN_CHARACTERS, codeOf)) {
      out += character === '\n' || glyphs.hasGlyphForCodePoint(character.codePointAt(0)!) ? character : codeOf(character);
    }
    if (this.visibleCache.size < 20_000) this.visibleCache.set(key, out);
    return out;
  }

  private write(text: string, x: number, y: number, options: { font?: FontName; size: number; colour?: string; width?: number; align?: 'left' | 'right' | 'center' }): void {
    const font = options.font ?? 'sans';
    this.doc
      .font(font)
      .fontSize(options.size)
      .fillColor(options.colour ?? INK.text)
      .text(this.visible(text, font), x, y, {
        width: options.width,
        align: options.align,
        lineGap: 1,
        lineBreak: options.width !== undefined,
      });
  }

  private heightOf(text: string, font: FontName, size: number, width: number): number {
    if (text === '') return 0;
    return this.doc.font(font).fontSize(size).heightOfString(this.visible(text, font), { width, lineGap: 1 });
  }

  private widthOf(text: string, font: FontName, size: number): number {
    return this.doc.font(font).fontSize(size).widthOfString(this.visible(text, font));
  }

  private addPage(withHeader: boolean): void {
    this.doc.addPage({ size: 'A4', margins: { top: 0, bottom: 0, left: 0, right: 0 } });
    this.y = TOP;
    if (!withHeader) return;
    this.mark('page header: provenance: title');
    const title = this.report.provenance.title;
    this.write(title.length > 64 ? `${title.slice(0, 63)}…` : title, LEFT, 26, { size: 8, colour: INK.muted, font: 'bold' });
    this.write('Mailtrail audit report', RIGHT - 150, 26, { size: 8, colour: INK.faint, width: 150, align: 'right' });
    this.doc.moveTo(LEFT, 40).lineTo(RIGHT, 40).lineWidth(0.5).strokeColor(INK.border).stroke();
  }

  private ensure(height: number, onNewPage?: () => void): void {
    if (this.y + height <= BOTTOM) return;
    this.addPage(true);
    onNewPage?.();
  }

  private pill(text: string, x: number, y: number, colours: { strong: string; soft: string }, outline = false): number {
    const width = this.widthOf(text, 'bold', 7) + 10;
    this.doc.roundedRect(x, y, width, 11, 5.5);
    if (outline) this.doc.lineWidth(0.7).fillAndStroke(colours.soft, colours.strong);
    else this.doc.fill(colours.soft);
    this.write(text, x + 5, y + 2, { font: 'bold', size: 7, colour: colours.strong });
    return width;
  }

  // --- the cover ------------------------------------------------------------------------------

  private cover(): void {
    const { provenance, totals } = this.report;
    this.mark('cover');
    this.doc.rect(0, 0, PAGE_WIDTH, 8).fill(INK.accent);
    this.write('MAILTRAIL AUDIT REPORT', LEFT, 44, { font: 'bold', size: 9, colour: INK.accent });
    this.y = 62;
    this.mark('provenance: title');
    this.write(provenance.title, LEFT, this.y, { font: 'bold', size: 22, width: WIDTH });
    this.y += this.heightOf(provenance.title, 'bold', 22, WIDTH) + 4;
    this.mark('provenance: scope');
    this.write(provenance.scope_text, LEFT, this.y, { size: 12, colour: INK.muted, width: WIDTH });
    this.y += this.heightOf(provenance.scope_text, 'sans', 12, WIDTH) + 16;
    this.doc.moveTo(LEFT, this.y).lineTo(RIGHT, this.y).lineWidth(0.5).strokeColor(INK.border).stroke();
    this.y += 10;
    for (const [label, value] of provenanceFacts(provenance, totals)) {
      this.mark(`provenance: ${label}`);
      this.write(label, LEFT, this.y, { size: 9, colour: INK.muted, width: 100 });
      this.write(value, LEFT + 110, this.y, { size: 9.5, width: WIDTH - 110 });
      this.y += Math.max(12, this.heightOf(value, 'sans', 9.5, WIDTH - 110)) + 5;
    }
    this.y += 8;
    const notice = truncationNotice('pdf', totals);
    if (notice) this.noticeBox(notice, 'notice: cover');
    this.mark('digest');
    const boxHeight = 72;
    this.doc.roundedRect(LEFT, this.y, WIDTH, boxHeight, 4).lineWidth(0.7).fillAndStroke('#f6f7f9', INK.border);
    this.write('SHA-256 DIGEST', LEFT + 12, this.y + 10, { font: 'bold', size: 7.5, colour: INK.muted });
    this.write(totals.sha256, LEFT + 12, this.y + 24, { font: 'mono', size: 10.4, colour: INK.text });
    this.write(VERIFY_HINT, LEFT + 12, this.y + 42, { size: 7.5, colour: INK.muted, width: WIDTH - 24 });
    this.write(`The data is attached to this PDF as ${REPORT_DATA_NAME}.`, LEFT + 12, this.y + 54, { size: 7.5, colour: INK.muted, width: WIDTH - 24 });
    this.y += boxHeight + 18;
  }

  private noticeBox(text: string, label: string): void {
    const height = this.heightOf(text, 'bold', 9.5, WIDTH - 24) + 16;
    this.ensure(height + 10);
    this.mark(label);
    this.doc.roundedRect(LEFT, this.y, WIDTH, height, 4).lineWidth(0.8).fillAndStroke(INK.warningSoft, INK.warning);
    this.write(text, LEFT + 12, this.y + 8, { font: 'bold', size: 9.5, colour: '#7a4f0e', width: WIDTH - 24 });
    this.y += height + 12;
  }

  // --- the summary ----------------------------------------------------------------------------

  private sectionTitle(text: string, label: string): void {
    this.mark(label);
    this.write(text, LEFT, this.y, { font: 'bold', size: 14 });
    this.y += 24;
  }

  private summary(): void {
    this.sectionTitle('Summary', 'summary');
    this.write('Over the whole scope, including events beyond those listed in this document.', LEFT, this.y - 6, { size: 8.5, colour: INK.muted });
    this.y += 10;
    for (const chart of summaryCharts(this.report.summary)) this.barChart(chart);
    this.workflowChart();
  }

  private emailSummary(): void {
    const [byCategory, , errors] = summaryCharts(this.report.summary);
    this.barChart(byCategory!);
    if (errors!.rows.length > 0) this.barChart(errors!);
    if (this.report.summary.workflows.length > 0) this.workflowChart();
  }

  private barChart(chart: Chart): void {
    const rows = Math.max(chart.rows.length, 1);
    this.ensure(22 + rows * 15 + (chart.more ? 12 : 0) + 14);
    this.mark(`summary: ${chart.title}`);
    this.write(chart.title, LEFT, this.y, { font: 'bold', size: 11 });
    this.y += 19;
    if (chart.rows.length === 0) {
      this.write(chart.empty, LEFT, this.y, { size: 9, colour: INK.muted });
      this.y += 28;
      return;
    }
    const labelWidth = 150;
    const barX = LEFT + labelWidth + 8;
    const barMax = WIDTH - labelWidth - 8 - 56;
    const max = Math.max(...chart.rows.map((row) => row.value), 1);
    const top = this.y;
    for (const row of chart.rows) {
      const label = row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label;
      this.write(label, LEFT, this.y + 2, { size: 8.5, width: labelWidth, align: 'right', colour: INK.text });
      const width = Math.max(1.5, (barMax * row.value) / max);
      this.doc.roundedRect(barX, this.y + 1.5, width, 10, 1.5).fill(row.colour);
      this.write(formatCount(row.value), barX + width + 5, this.y + 2, { size: 8.5, colour: INK.muted });
      this.y += 15;
    }
    this.doc.moveTo(barX, top - 1).lineTo(barX, this.y).lineWidth(0.6).strokeColor(INK.borderStrong).stroke();
    if (chart.more) {
      this.write(`${chart.more} more not shown`, barX, this.y + 1, { size: 8, colour: INK.faint });
      this.y += 12;
    }
    this.y += 16;
  }

  private workflowChart(): void {
    const { rows, more } = workflowBars(this.report.summary);
    this.ensure(40 + Math.max(rows.length, 1) * 15);
    this.mark('summary: Workflow success');
    this.write('Workflow success', LEFT, this.y, { font: 'bold', size: 11 });
    let legendX = LEFT + 130;
    for (const [name, colour] of Object.entries(WORKFLOW_COLOURS)) {
      this.doc.rect(legendX, this.y + 3, 8, 8).fill(colour);
      this.write(name, legendX + 11, this.y + 2, { size: 8, colour: INK.muted });
      legendX += 70;
    }
    this.y += 19;
    if (rows.length === 0) {
      this.write('No workflow runs in this scope.', LEFT, this.y, { size: 9, colour: INK.muted });
      this.y += 28;
      return;
    }
    const labelWidth = 150;
    const barX = LEFT + labelWidth + 8;
    const barMax = WIDTH - labelWidth - 8 - 150;
    const max = Math.max(...rows.map((row) => row.total), 1);
    for (const row of rows) {
      const label = row.name.length > 30 ? `${row.name.slice(0, 29)}…` : row.name;
      this.write(label, LEFT, this.y + 2, { size: 8.5, width: labelWidth, align: 'right' });
      let x = barX;
      for (const part of ['succeeded', 'failed', 'other'] as const) {
        const width = (barMax * row[part]) / max;
        if (width > 0) this.doc.rect(x, this.y + 1.5, width, 10).fill(WORKFLOW_COLOURS[part]);
        x += width;
      }
      this.write(row.rate, x + 5, this.y + 2, { size: 8, colour: INK.muted });
      this.y += 15;
    }
    if (more) {
      this.write(`${more} more workflows not shown`, barX, this.y + 1, { size: 8, colour: INK.faint });
      this.y += 12;
    }
    this.y += 16;
  }

  // --- the events table -------------------------------------------------------------------------

  private tableHeader(): void {
    this.mark('table header');
    this.doc.rect(LEFT, this.y, WIDTH, 22).fill('#f1f3f6');
    const heading = (text: string, column: { x: number; width: number }) =>
      this.write(text, column.x, this.y + 7, { font: 'bold', size: 7.5, colour: INK.muted, width: column.width });
    heading('TIME', COLUMNS.time);
    heading('EVENT', COLUMNS.event);
    heading('EMAIL', COLUMNS.email);
    heading('USER', COLUMNS.user);
    heading('DESCRIPTION · METADATA', COLUMNS.description);
    this.y += 24;
  }

  private async table(): Promise<void> {
    this.addPage(true);
    this.sectionTitle(`Events (${formatCount(this.report.totals.events)})`, 'events');
    this.mark('provenance: Time zone');
    this.write(`Times in ${this.report.provenance.time_zone}, as the log holds them.`, LEFT, this.y - 6, { size: 8.5, colour: INK.muted });
    this.y += 10;
    this.tableHeader();
    const header = () => this.tableHeader();
    for (const [index, event] of this.report.events.entries()) {
      this.row(event, index, header);
      if (index % YIELD_EVERY === YIELD_EVERY - 1) {
        await yieldToEventLoop();
        if (this.doc.destroyed) return;
      }
    }
    this.y += 8;
    const notice = truncationNotice('pdf', this.report.totals);
    if (notice) this.noticeBox(notice, 'notice: end');
    else {
      this.ensure(20);
      this.mark('end');
      this.write(`End of report: ${formatCount(this.report.totals.events)} events.`, LEFT, this.y, { size: 8.5, colour: INK.muted });
    }
  }

  private row(event: ActivityEvent, index: number, header: () => void): void {
    const label = `event ${index + 1} (id ${event.id})`;
    const description = event.description.length > DESCRIPTION_MAX ? `${event.description.slice(0, DESCRIPTION_MAX)}… (cut here; whole in the data)` : event.description;
    const metadata = metadataInLine(event.metadata);
    const descriptionHeight = this.heightOf(description, 'sans', 8, COLUMNS.description.width);
    const metadataHeight = metadata ? this.heightOf(metadata, 'sans', 6.5, COLUMNS.description.width) + 2 : 0;
    const eventHeight = this.heightOf(event.event_type, 'bold', 7.5, COLUMNS.event.width) + 11 + (event.archived ? 13 : 0);
    const userHeight = this.heightOf(actorOf(event), 'sans', 7.5, COLUMNS.user.width);
    const height = Math.max(descriptionHeight + metadataHeight, eventHeight, userHeight, 20) + 8;
    this.ensure(height, header);
    const top = this.y;
    const colours = categoryColour(event.event_category);
    this.mark(`${label}: category`);
    this.doc.rect(LEFT, top, 3, height).fill(colours.strong);
    this.doc.moveTo(LEFT, top + height).lineTo(RIGHT, top + height).lineWidth(0.4).strokeColor(INK.border).stroke();
    this.mark(`${label}: time`);
    const [day, clock] = formatTime(event.created_at).split(' ');
    this.write(day ?? '', COLUMNS.time.x, top + 4, { size: 7.5 });
    this.write(clock ?? '', COLUMNS.time.x, top + 13, { size: 7.5, colour: INK.muted });
    this.mark(`${label}: event type`);
    this.write(event.event_type, COLUMNS.event.x, top + 4, { font: 'bold', size: 7.5, width: COLUMNS.event.width });
    const typeBottom = top + 4 + this.heightOf(event.event_type, 'bold', 7.5, COLUMNS.event.width);
    this.mark(`${label}: event category`);
    this.write(event.event_category, COLUMNS.event.x, typeBottom + 1, { size: 6.5, colour: colours.strong, width: COLUMNS.event.width });
    if (event.archived) {
      this.mark(`${label}: archived`);
      this.pill('Archived', COLUMNS.event.x, typeBottom + 11, { strong: INK.muted, soft: '#ffffff' }, true);
    }
    this.mark(`${label}: email`);
    this.write(String(event.email_id), COLUMNS.email.x, top + 4, { size: 7.5, width: COLUMNS.email.width });
    this.write(`ev ${event.id}`, COLUMNS.email.x, top + 13, { size: 6.5, colour: INK.faint, width: COLUMNS.email.width });
    this.mark(`${label}: user`);
    this.write(actorOf(event), COLUMNS.user.x, top + 4, { size: 7.5, width: COLUMNS.user.width });
    this.mark(`${label}: description`);
    this.write(description, COLUMNS.description.x, top + 4, { size: 8, width: COLUMNS.description.width });
    if (metadata) {
      this.mark(`${label}: metadata`);
      this.write(metadata, COLUMNS.description.x, top + 5 + descriptionHeight, { size: 6.5, colour: INK.muted, width: COLUMNS.description.width });
    }
    this.y = top + height;
  }

  // --- the one-email timeline -----------------------------------------------------------------

  private async timeline(): Promise<void> {
    const railX = LEFT + 11;
    const contentX = LEFT + 32;
    const contentWidth = RIGHT - contentX;
    this.ensure(60);
    this.sectionTitle(`Timeline (${formatCount(this.report.totals.events)} events)`, 'timeline');
    this.mark('provenance: Time zone');
    this.write(`Times in ${this.report.provenance.time_zone}, as the log holds them.`, LEFT, this.y - 6, { size: 8.5, colour: INK.muted });
    this.y += 12;
    const events = this.report.events;
    for (const [index, event] of events.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) {
        await yieldToEventLoop();
        if (this.doc.destroyed) return;
      }
      const label = `event ${index + 1} (id ${event.id})`;
      const previous = events[index - 1];
      const gap = previous ? timelineGap(previous.created_at, event.created_at) : null;
      const gapHeight = gap ? 18 : 2;
      const description = event.description.length > TIMELINE_DESCRIPTION_MAX ? `${event.description.slice(0, TIMELINE_DESCRIPTION_MAX)}… (cut here; whole in the data)` : event.description;
      const descriptionHeight = this.heightOf(description, 'sans', 10, contentWidth);
      const metadata = metadataLines(event.metadata).join('\n');
      const metadataHeight = metadata ? this.heightOf(metadata, 'mono', 7.5, contentWidth - 16) + 12 : 0;
      const bodyHeight = 18 + descriptionHeight + 16 + (metadata ? metadataHeight + 6 : 0) + 8;
      if (this.y + gapHeight + bodyHeight > BOTTOM) this.addPage(true);
      else if (gap) {
        this.mark(`${label}: time since previous`);
        this.doc.moveTo(railX, this.y).lineTo(railX, this.y + gapHeight).dash(1.5, { space: 2 }).lineWidth(1.4).strokeColor(INK.borderStrong).stroke().undash();
        this.write(gap.text, contentX, this.y + 4, { font: 'mono', size: 7.5, colour: gap.long ? INK.warning : INK.faint });
      }
      if (!gap || this.y === TOP) this.y += 2;
      else this.y += gapHeight;
      const top = this.y;
      const colours = categoryColour(event.event_category);
      this.mark(`${label}: category`);
      this.doc.moveTo(railX, top).lineTo(railX, top + bodyHeight).lineWidth(1.4).strokeColor(INK.border).stroke();
      // As the screen draws it: a solid dot in the category's colour on the rail.
      this.doc.circle(railX, top + 9, 8.5).fill(colours.strong);
      this.doc.circle(railX, top + 9, 3).fill('#ffffff');
      this.mark(`${label}: event type`);
      this.write(event.event_type, contentX, top + 3.5, { font: 'monoBold', size: 10 });
      let x = contentX + this.widthOf(event.event_type, 'monoBold', 10) + 8;
      this.mark(`${label}: event category`);
      x += this.pill(event.event_category, x, top + 4, colours) + 6;
      if (event.archived) {
        this.mark(`${label}: archived`);
        this.pill('Archived', x, top + 4, { strong: INK.muted, soft: '#ffffff' }, true);
      }
      this.mark(`${label}: description`);
      this.write(description, contentX, top + 19, { size: 10, width: contentWidth });
      let y = top + 19 + descriptionHeight + 3;
      this.mark(`${label}: user`);
      const actor = actorOf(event);
      this.write(actor, contentX, y, { font: 'bold', size: 8.5 });
      const actorWidth = this.widthOf(actor, 'bold', 8.5);
      this.mark(`${label}: time`);
      this.write(`·  ${formatTime(event.created_at)}`, contentX + actorWidth + 6, y, { size: 8.5, colour: INK.muted });
      this.write(`event ${event.id}`, RIGHT - 80, y, { size: 7.5, colour: INK.faint, width: 80, align: 'right' });
      y += 15;
      if (metadata) {
        this.mark(`${label}: metadata`);
        this.doc.roundedRect(contentX, y, contentWidth, metadataHeight, 3).lineWidth(0.5).fillAndStroke('#f7f8fa', INK.border);
        this.write(metadata, contentX + 8, y + 6, { font: 'mono', size: 7.5, colour: '#3a404c', width: contentWidth - 16 });
      }
      this.y = top + bodyHeight;
    }
    this.y += 6;
    const notice = truncationNotice('pdf', this.report.totals);
    if (notice) this.noticeBox(notice, 'notice: end');
  }

  // --- page furniture ---------------------------------------------------------------------------

  private footers(): void {
    const range = this.doc.bufferedPageRange();
    const total = range.count;
    for (let index = 0; index < total; index += 1) {
      this.doc.switchToPage(range.start + index);
      this.mark('page footer');
      this.doc.moveTo(LEFT, PAGE_HEIGHT - 38).lineTo(RIGHT, PAGE_HEIGHT - 38).lineWidth(0.5).strokeColor(INK.border).stroke();
      this.write(`sha256 ${this.report.totals.sha256.slice(0, 16)}…`, LEFT, PAGE_HEIGHT - 30, { font: 'mono', size: 7, colour: INK.faint });
      this.write(`page ${index + 1} of ${total}`, RIGHT - 120, PAGE_HEIGHT - 30, { size: 8, colour: INK.muted, width: 120, align: 'right' });
    }
  }
}

/** Writes the PDF to `out` and ends it. */
export async function writePdf(report: DocumentInput, out: Writable): Promise<void> {
  const pdf = new PdfReport(report);
  const done = pipeline(pdf.stream, out);
  // Handled below, after drawing; a closed output stops the drawing early (a cancelled export).
  done.catch(() => undefined);
  try {
    await pdf.render();
  } catch (error) {
    pdf.stream.destroy(error as Error);
  }
  await done;
}

/** The PDF's bytes, for verify's re-render. */
export async function renderPdf(report: DocumentInput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writePdf(report, sink);
  return Buffer.concat(chunks);
}
