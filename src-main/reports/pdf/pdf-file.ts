import { inflateSync } from 'node:zlib';
import { REPORT_DATA_NAME } from '../document-data';
import { PDF_MARK } from './pdf-report';

/**
 * Just enough PDF reading for verify, over the files pdfkit writes: the numbered objects, the
 * attached report data, and the content streams split at our `%mt` marks. Tolerant: a damaged file
 * reads as fewer objects, never a throw.
 */
export interface PdfObject {
  dictionary: string;
  stream: Buffer | null;
}

export function pdfObjects(bytes: Buffer): Map<number, PdfObject> {
  const text = bytes.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const header = /(?:^|\n)(\d+) 0 obj\n/g;
  let match: RegExpExecArray | null;
  while ((match = header.exec(text)) !== null) {
    const id = Number(match[1]);
    const start = match.index + match[0].length;
    const streamAt = text.indexOf('\nstream\n', start);
    const endAt = text.indexOf('\nendobj', start);
    if (endAt < 0) break;
    if (streamAt >= 0 && streamAt < endAt) {
      const dictionary = text.slice(start, streamAt);
      const dataStart = streamAt + '\nstream\n'.length;
      const length = Number(/\/Length (\d+)/.exec(dictionary)?.[1]);
      let dataEnd = Number.isFinite(length) ? dataStart + length : -1;
      if (dataEnd < 0 || text.slice(dataEnd, dataEnd + 11) !== '\nendstream\n') dataEnd = text.indexOf('\nendstream\n', dataStart);
      if (dataEnd < 0) break;
      objects.set(id, { dictionary, stream: bytes.subarray(dataStart, dataEnd) });
      header.lastIndex = text.indexOf('\nendobj', dataEnd) + 1 || dataEnd;
    } else {
      objects.set(id, { dictionary: text.slice(start, endAt), stream: null });
      header.lastIndex = endAt + 1;
    }
  }
  return objects;
}

/** A stream's bytes as written before compression (or null when they cannot be inflated). */
export function streamContent(object: PdfObject): Buffer | null {
  if (!object.stream) return null;
  if (!object.dictionary.includes('/FlateDecode')) return object.stream;
  try {
    return inflateSync(object.stream);
  } catch {
    return null;
  }
}

/** The attached mailtrail-report.jsonl, found through its file specification. */
export function pdfReportData(objects: Map<number, PdfObject>): string | null {
  for (const object of objects.values()) {
    if (!object.dictionary.includes('/Filespec') || !object.dictionary.includes(`(${REPORT_DATA_NAME})`)) continue;
    const reference = /\/EF <<\s*\/F (\d+) 0 R/.exec(object.dictionary);
    const file = reference ? objects.get(Number(reference[1])) : undefined;
    const content = file ? streamContent(file) : null;
    return content ? content.toString('utf8') : null;
  }
  return null;
}

/** A content stream's parts by their mark (the same label twice on a page is one part). */
export function markedParts(content: Buffer): Map<string, string> {
  const parts = new Map<string, string>();
  let label = '(unmarked)';
  for (const line of content.toString('latin1').split('\n')) {
    if (line.startsWith(PDF_MARK)) label = line.slice(PDF_MARK.length);
    else parts.set(label, `${parts.get(label) ?? ''}${line}\n`);
  }
  return parts;
}

/** What a differing object is, in words, for objects that carry no marks. */
export function objectInWords(id: number, object: PdfObject): string {
  const dictionary = object.dictionary;
  if (dictionary.includes('/EmbeddedFile')) return 'the attached report data';
  if (dictionary.includes('/Producer')) return 'the document information (title, author, dates)';
  if (/\/Type \/Page\b/.test(dictionary)) return `a page's layout (object ${id})`;
  if (/\/FontFile|\/Type \/Font|\/FontDescriptor/.test(dictionary)) return `a font (object ${id})`;
  return `object ${id}`;
}
