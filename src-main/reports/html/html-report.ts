import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network) that reads
 * like the PDF and prints well. Written as labelled lines, one part each (newlines inside text are
 * character references), so verify can re-render from the carried data and name the part that
 * differs. Everything from the log is escaped: descriptions and metadata are hostile input.
 */
export const HTML_DATA_ID = 'mailtrail-report';

export type HtmlLine = [label: string, html: string];

/** Text for an element or a quoted attribute; line breaks as references so a part stays one line. */
export function escapeHtml(text: string): string {
  return text.replace(HIDDEN_CHARACTERS, codeOf).replace(/[&<>"'\r\n]/g, (character) => {
    switch (character) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&#39;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

const STYLE = `
:root{--text:${INK.text};--muted:${INK.muted};--faint:${INK.faint};--border:${INK.border};--accent:${INK.accent}}
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:var(--text);font:13px/1.45 "DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:0 24px 48px}
.mono{font-family:"DejaVu Sans Mono",ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
section{background:#fff;border:1px solid var(--border);border-radius:8px;margin:20px 0;padding:22px 26px}
.cover{border-top:6px solid var(--accent)}
.kicker{margin:0;color:var(--accent);font-size:11px;font-weight:700;letter-spacing:.14em}
h1{margin:6px 0 2px;font-size:26px;line-height:1.2;overflow-wrap:anywhere}
.scope{margin:0 0 16px;color:var(--muted);font-size:15px;overflow-wrap:anywhere}
dl.facts{display:grid;grid-template-columns:130px 1fr;gap:6px 14px;margin:0;padding-top:14px;border-top:1px solid var(--border)}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.notice{margin:16px 0 0;padding:10px 14px;border:1px solid ${INK.warning};border-radius:6px;background:${INK.warningSoft};color:#7a4f0e;font-weight:700}
.digest{margin-top:16px;padding:12px 14px;border:1px solid var(--border);border-radius:6px;background:#f6f7f9}
.digest .label{font-size:10px;font-weight:700;letter-spacing:.1em;color:var(--muted)}
.digest .sha{font-size:14px;word-break:break-all;margin:4px 0}
.digest p{margin:2px 0 0;color:var(--muted);font-size:11.5px}
h2{margin:0 0 4px;font-size:18px}
h3{margin:18px 0 6px;font-size:14px}
.hint{margin:0 0 8px;color:var(--muted);font-size:12px}
.chart{display:block;width:100%;max-width:760px;height:auto}
.chart text{font-size:12px;fill:var(--text)}
.chart .value{fill:var(--muted)}
.empty{color:var(--muted)}
.legend span{display:inline-flex;align-items:center;gap:5px;margin-right:14px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px}
table.events{width:100%;border-collapse:collapse;table-layout:fixed;font-size:12px}
table.events th{position:sticky;top:0;background:#f1f3f6;color:var(--muted);font-size:10.5px;letter-spacing:.06em;text-align:left;padding:6px 8px;border-bottom:1px solid var(--border)}
table.events th small{display:block;font-weight:400;letter-spacing:0;color:var(--faint)}
table.events td{vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--border);overflow-wrap:anywhere}
table.events tr.event td:first-child{border-left:4px solid var(--cat)}
col.c-time{width:13%}col.c-event{width:20%}col.c-email{width:10%}col.c-user{width:13%}
.time{white-space:nowrap}
.time span,.email span{display:block;color:var(--faint);font-size:11px;white-space:nowrap}
.type{font-weight:700}
.cat{display:inline-block;margin-top:2px;padding:0 7px;border-radius:999px;background:var(--cat-soft);color:var(--cat);font-size:10.5px;font-weight:700}
.archived{display:inline-block;margin-left:4px;padding:0 7px;border:1px solid var(--muted);border-radius:999px;color:var(--muted);font-size:10.5px;font-weight:700}
.description{white-space:pre-wrap}
.metadata{display:block;margin-top:3px;color:var(--muted);font-size:11px;white-space:pre-wrap}
.end{margin:12px 0 0;color:var(--muted)}
ol.timeline{list-style:none;margin:8px 0 0;padding:0}
.tl-gap{position:relative;height:24px;padding-left:46px;color:var(--faint);font-size:11px;line-height:24px}
.tl-gap::before{content:"";position:absolute;left:15px;top:0;bottom:0;border-left:2px dotted #cfd4dc}
.tl-gap.long span{padding:0 6px;border-radius:999px;background:${INK.warningSoft};color:${INK.warning};font-weight:700}
.tl-event{position:relative;display:flex;gap:14px;padding:4px 0 6px}
.tl-event::before{content:"";position:absolute;left:15px;top:0;bottom:0;border-left:2px solid var(--border)}
.tl-dot{position:relative;flex:none;width:32px;height:32px;border-radius:50%;background:var(--cat)}
.tl-dot::after{content:"";position:absolute;left:11px;top:11px;width:10px;height:10px;border-radius:50%;background:#fff}
.tl-body{flex:1;min-width:0;padding-top:4px}
.tl-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:8px}
.tl-head .type{font-family:"DejaVu Sans Mono",ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.tl-body .description{margin:3px 0 0;font-size:14px;overflow-wrap:anywhere}
.tl-meta{margin-top:3px;color:var(--muted);font-size:12px}
.tl-meta b{color:var(--text);font-weight:600}
.tl-meta .id{float:right;color:var(--faint)}
pre.tl-metadata{margin:6px 0 0;padding:8px 10px;border:1px solid var(--border);border-radius:5px;background:#f7f8fa;font-size:11.5px;white-space:pre-wrap;overflow-wrap:anywhere}
footer{color:var(--faint);font-size:11px;text-align:center}
@media print{
  @page{size:A4;margin:14mm 12mm}
  body{background:#fff;font-size:11px}
  main{max-width:none;padding:0}
  section{border:none;border-radius:0;margin:0 0 10mm;padding:0}
  .cover{border-top:4px solid var(--accent);padding-top:6mm;break-after:page}
  .summary{break-after:page}
  table.events{font-size:10px}
  table.events th{position:static}
  thead{display:table-header-group}
  tr,.tl-event{break-inside:avoid}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`
  .trim()
  .split('\n')
  .join('');

const colourStyle = (category: string): string => {
  const colours = categoryColour(category);
  return `--cat:${colours.strong};--cat-soft:${colours.soft}`;
};

function barChartSvg(chart: Chart): string {
  if (chart.rows.length === 0) return `<p class="empty">${escapeHtml(chart.empty)}</p>`;
  const rowHeight = 22;
  const labelWidth = 190;
  const barMax = 440;
  const height = chart.rows.length * rowHeight + 6;
  const max = Math.max(...chart.rows.map((row) => row.value), 1);
  const bars = chart.rows
    .map((row, index) => {
      const y = index * rowHeight + 3;
      const width = Math.max(1.5, (barMax * row.value) / max);
      const label = row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label;
      return (
        `<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 2}" width="${width.toFixed(1)}" height="14" rx="2" fill="${row.colour}"/>` +
        `<text class="value" x="${(labelWidth + width + 6).toFixed(1)}" y="${y + 13}">${formatCount(row.value)}</text>`
      );
    })
    .join('');
  const axis = `<line x1="${labelWidth}" y1="0" x2="${labelWidth}" y2="${height}" stroke="${INK.borderStrong}"/>`;
  const more = chart.more ? `<p class="hint">${chart.more} more not shown</p>` : '';
  return `<svg class="chart" viewBox="0 0 760 ${height}" width="760" height="${height}" role="img" aria-label="${escapeHtml(chart.title)}">${axis}${bars}</svg>${more}`;
}

function workflowSvg(document: DocumentInput): string {
  const { rows, more } = workflowBars(document.summary);
  const legend = `<p class="legend">${Object.entries(WORKFLOW_COLOURS)
    .map(([name, colour]) => `<span><i style="background:${colour}"></i>${name}</span>`)
    .join('')}</p>`;
  if (rows.length === 0) return `${legend}<p class="empty">No workflow runs in this scope.</p>`;
  const rowHeight = 22;
  const labelWidth = 190;
  const barMax = 330;
  const height = rows.length * rowHeight + 6;
  const max = Math.max(...rows.map((row) => row.total), 1);
  const bars = rows
    .map((row, index) => {
      const y = index * rowHeight + 3;
      let x = labelWidth;
      let parts = '';
      for (const part of ['succeeded', 'failed', 'other'] as const) {
        const width = (barMax * row[part]) / max;
        if (width > 0) parts += `<rect x="${x.toFixed(1)}" y="${y + 2}" width="${width.toFixed(1)}" height="14" fill="${WORKFLOW_COLOURS[part]}"/>`;
        x += width;
      }
      const label = row.name.length > 30 ? `${row.name.slice(0, 29)}…` : row.name;
      return (
        `<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(label)}</text>${parts}` +
        `<text class="value" x="${(x + 6).toFixed(1)}" y="${y + 13}">${escapeHtml(row.rate)}</text>`
      );
    })
    .join('');
  const rest = more ? `<p class="hint">${more} more workflows not shown</p>` : '';
  return `${legend}<svg class="chart" viewBox="0 0 760 ${height}" width="760" height="${height}" role="img" aria-label="Workflow success">${bars}</svg>${rest}`;
}

/** The document as labelled lines. */
export function htmlLines(document: DocumentInput): HtmlLine[] {
  const { provenance, totals, events } = document;
  const lines: HtmlLine[] = [];
  const add = (label: string, html: string) => lines.push([label, html]);
  const notice = truncationNotice('html', totals);
  add('page', '<!doctype html>');
  add('page', '<html lang="en">');
  add('page', '<head>');
  add('page', '<meta charset="utf-8">');
  add('page', `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  add('page', '<meta name="viewport" content="width=device-width, initial-scale=1">');
  add('provenance: title', `<title>${escapeHtml(provenance.title)}</title>`);
  add('provenance: Mailtrail', `<meta name="generator" content="Mailtrail ${escapeHtml(provenance.mailtrail_version)}">`);
  add('page', `<style>${STYLE}</style>`);
  add('page', '</head>');
  add('page', '<body>');
  add('page', '<main>');
  add('cover', '<section class="cover" data-testid="report-cover">');
  add('cover', '<p class="kicker">MAILTRAIL AUDIT REPORT</p>');
  add('provenance: title', `<h1 dir="auto">${escapeHtml(provenance.title)}</h1>`);
  add('provenance: scope', `<p class="scope" dir="auto">${escapeHtml(provenance.scope_text)}</p>`);
  add('cover', '<dl class="facts">');
  for (const [label, value] of provenanceFacts(provenance, totals)) {
    add(`provenance: ${label}`, `<dt>${escapeHtml(label)}</dt><dd dir="auto">${escapeHtml(value)}</dd>`);
  }
  add('cover', '</dl>');
  if (notice) add('notice: cover', `<p class="notice" data-testid="report-notice">${escapeHtml(notice)}</p>`);
  add(
    'digest',
    `<div class="digest"><div class="label">SHA-256 DIGEST</div><div class="sha mono" data-testid="report-sha256">${escapeHtml(totals.sha256)}</div>` +
      `<p>${escapeHtml(VERIFY_HINT)}</p><p>The data is inside this file (the ${REPORT_DATA_NAME} block at its end).</p></div>`,
  );
  add('cover', '</section>');

  const email = provenance.scope.kind === 'email';
  add('summary', '<section class="summary">');
  add('summary', '<h2>Summary</h2>');
  add('summary', '<p class="hint">Over the whole scope, including events beyond those listed in this document.</p>');
  const charts = summaryCharts(document.summary);
  for (const chart of email ? charts.filter((chart, index) => index === 0 || (index === 2 && chart.rows.length > 0)) : charts) {
    add(`summary: ${chart.title}`, `<h3>${escapeHtml(chart.title)}</h3>${barChartSvg(chart)}`);
  }
  if (!email || document.summary.workflows.length > 0) add('summary: Workflow success', `<h3>Workflow success</h3>${workflowSvg(document)}`);
  add('summary', '</section>');

  if (email) timelineLines(document, add);
  else tableLines(document, add);

  add('page', '<footer>Made by Mailtrail. Verify with: mailtrail verify FILE</footer>');
  add('page', '</main>');
  add('the report data', `<script type="application/json" id="${HTML_DATA_ID}">`);
  for (const line of encodeReportData(document).split('\n').slice(0, -1)) add('the report data', line.replace(/</g, '\\u003c'));
  add('the report data', '</script>');
  add('page', '</body>');
  add('page', '</html>');
  return lines;
}

const eventLabel = (event: ActivityEvent, index: number) => `event ${index + 1} (id ${event.id})`;

function tableLines(document: DocumentInput, add: (label: string, html: string) => void): void {
  const { provenance, totals, events } = document;
  add('events', '<section class="events">');
  add('events', `<h2>Events (${formatCount(totals.events)})</h2>`);
  add('events', '<table class="events" data-testid="report-events">');
  add('events', '<colgroup><col class="c-time"><col class="c-event"><col class="c-email"><col class="c-user"><col></colgroup>');
  add(
    'table header',
    `<thead><tr><th>TIME<small>${escapeHtml(provenance.time_zone)}</small></th><th>EVENT</th><th>EMAIL</th><th>USER</th><th>DESCRIPTION · METADATA</th></tr></thead>`,
  );
  add('events', '<tbody>');
  events.forEach((event, index) => {
    const label = eventLabel(event, index);
    const [day, clock] = formatTime(event.created_at).split(' ');
    add(`${label}: category`, `<tr class="event" data-event-id="${event.id}" data-category="${escapeHtml(event.event_category)}" style="${escapeHtml(colourStyle(event.event_category))}">`);
    add(`${label}: time`, `<td class="time">${escapeHtml(day ?? '')}<span>${escapeHtml(clock ?? '')}</span></td>`);
    add(
      `${label}: event type`,
      `<td><span class="type">${escapeHtml(event.event_type)}</span><br><span class="cat">${escapeHtml(event.event_category)}</span>${event.archived ? '<span class="archived">Archived</span>' : ''}</td>`,
    );
    add(`${label}: email`, `<td class="email">${event.email_id}<span>ev ${event.id}</span></td>`);
    add(`${label}: user`, `<td dir="auto">${escapeHtml(actorOf(event))}</td>`);
    const metadata = metadataInLine(event.metadata);
    add(
      `${label}: description`,
      `<td><bdi class="description">${escapeHtml(event.description)}</bdi>${metadata ? `<bdi class="metadata">${escapeHtml(metadata)}</bdi>` : ''}</td>`,
    );
    add(`${label}: category`, '</tr>');
  });
  add('events', '</tbody>');
  add('events', '</table>');
  const notice = truncationNotice('html', totals);
  if (notice) add('notice: end', `<p class="notice">${escapeHtml(notice)}</p>`);
  else add('end', `<p class="end">End of report: ${formatCount(totals.events)} events.</p>`);
  add('events', '</section>');
}

function timelineLines(document: DocumentInput, add: (label: string, html: string) => void): void {
  const { totals, events } = document;
  add('timeline', '<section class="events">');
  add('timeline', `<h2>Timeline (${formatCount(totals.events)} events)</h2>`);
  add('provenance: Time zone', `<p class="hint">Times in ${escapeHtml(document.provenance.time_zone)}, as the log holds them.</p>`);
  add('timeline', '<ol class="timeline" data-testid="report-timeline">');
  events.forEach((event, index) => {
    const label = eventLabel(event, index);
    const previous = events[index - 1];
    const gap = previous ? timelineGap(previous.created_at, event.created_at) : null;
    if (gap) {
      add(`${label}: time since previous`, `<li class="tl-gap${gap.long ? ' long' : ''}" aria-hidden="true"><span class="mono">${escapeHtml(gap.text)}</span></li>`);
    }
    add(`${label}: category`, `<li class="tl-event" data-event-id="${event.id}" data-category="${escapeHtml(event.event_category)}" style="${escapeHtml(colourStyle(event.event_category))}">`);
    add(`${label}: category`, '<span class="tl-dot" aria-hidden="true"></span><div class="tl-body">');
    add(
      `${label}: event type`,
      `<div class="tl-head"><span class="type">${escapeHtml(event.event_type)}</span><span class="cat">${escapeHtml(event.event_category)}</span>${event.archived ? '<span class="archived">Archived</span>' : ''}</div>`,
    );
    add(`${label}: description`, `<p class="description" dir="auto">${escapeHtml(event.description)}</p>`);
    add(
      `${label}: user`,
      `<div class="tl-meta"><b dir="auto">${escapeHtml(actorOf(event))}</b> · <time>${escapeHtml(formatTime(event.created_at))}</time><span class="id">event ${event.id}</span></div>`,
    );
    const metadata = metadataLines(event.metadata);
    if (metadata.length > 0) add(`${label}: metadata`, `<pre class="tl-metadata" dir="auto">${escapeHtml(metadata.join('\n'))}</pre>`);
    add(`${label}: category`, '</div></li>');
  });
  add('timeline', '</ol>');
  const notice = truncationNotice('html', totals);
  if (notice) add('notice: end', `<p class="notice">${escapeHtml(notice)}</p>`);
  add('timeline', '</section>');
}

/** Writes the HTML file to `out` and ends it, a few hundred lines at a time (rejects if `out` fails or closes early). */
export async function writeHtml(document: DocumentInput, out: Writable): Promise<void> {
  const lines = htmlLines(document);
  function* chunks(): Generator<string> {
    for (let start = 0; start < lines.length; start += 500) {
      yield `${lines
        .slice(start, start + 500)
        .map(([, html]) => html)
        .join('\n')}\n`;
    }
  }
  await pipeline(Readable.from(chunks()), out);
}
