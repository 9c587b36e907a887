/** What extract_invoice finds in an email's subject and body; null where the text does not say. */
export interface InvoiceFields {
  invoice_number: string | null;
  amount: number | null;
  currency: string | null;
  /** ISO date, YYYY-MM-DD. */
  due_date: string | null;
}

// "Faktura 12345", "Invoice INV-2025-00042", "Fakturanr.: 4711", "Invoice no. A-778", "Invoice #2025/17".
const INVOICE_NUMBER = /\b(?:invoice|faktura|fakturanummer|fakturanr|inv)\b\.?\s*(?:(?:no|nr|number|nummer)\b\.?)?\s*[:#]?\s*([A-Z]{0,6}[-/]?\d[A-Z0-9]*(?:[-/][A-Z0-9]+)*)/i;
const BARE_INVOICE_NUMBER = /\b(INV-\d[A-Z0-9-]*)\b/i;

const CURRENCY_CODES = 'DKK|EUR|USD|SEK|NOK|GBP|CHF';
const CURRENCY_SIGNS: Record<string, string> = { 'kr': 'DKK', 'kr.': 'DKK', '€': 'EUR', '$': 'USD', '£': 'GBP' };
const NUMBER = String.raw`\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const CURRENCY_BEFORE = new RegExp(String.raw`(${CURRENCY_CODES}|kr\.?|€|\$|£)\s?(${NUMBER})(?!\d)`, 'i');
const CURRENCY_AFTER = new RegExp(String.raw`(?<![\d.,])(${NUMBER})\s?(${CURRENCY_CODES}|kr\b\.?|€|£)`, 'i');
const LABELLED_AMOUNT = new RegExp(String.raw`\b(?:amount|total|beløb|i alt|at betale)\b\s*(?:due)?\s*[:=]?\s*(${NUMBER})(?!\d)`, 'i');

const DATE = String.raw`\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}`;
const DUE_DATE = new RegExp(String.raw`\b(?:due date|due|payment due|forfaldsdato|forfald|betalingsfrist|betales senest)\b\s*(?:on|d\.|den)?\s*[:.]?\s*(${DATE})`, 'i');

/**
 * A written amount as a number: the last of `.` and `,` is the decimal mark when two decimals or
 * fewer follow it; otherwise both group thousands, as Danish (1.234,56) and English (1,234.56) write them.
 */
export function parseAmount(text: string): number | null {
  const compact = text.replace(/\s/g, '');
  if (!/^\d[\d.,]*$/.test(compact)) return null;
  const lastMark = Math.max(compact.lastIndexOf('.'), compact.lastIndexOf(','));
  const decimals = lastMark === -1 ? '' : compact.slice(lastMark + 1);
  const isDecimal = lastMark !== -1 && decimals.length > 0 && decimals.length <= 2;
  const whole = (isDecimal ? compact.slice(0, lastMark) : compact).replace(/[.,]/g, '');
  const value = Number(isDecimal ? `${whole}.${decimals}` : whole);
  return Number.isFinite(value) ? value : null;
}

function currencyOf(token: string): string {
  const lower = token.toLowerCase();
  return CURRENCY_SIGNS[lower] ?? token.toUpperCase();
}

/** YYYY-MM-DD from `2026-01-31`, `31-01-2026`, `31.01.2026` or `31/1/2026` (day first, as the hub writes); null if no such day. */
export function parseDueDate(text: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const dayFirst = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : dayFirst ? [dayFirst[3], dayFirst[2], dayFirst[1]] : [];
  if (!year || !month || !day) return null;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  return date.toISOString().slice(0, 10);
}

/** Invoice number, amount, currency and due date from free text (subject, then body). */
export function parseInvoiceText(text: string): InvoiceFields {
  const number = BARE_INVOICE_NUMBER.exec(text)?.[1] ?? INVOICE_NUMBER.exec(text)?.[1] ?? null;
  let amount: number | null = null;
  let currency: string | null = null;
  const before = CURRENCY_BEFORE.exec(text);
  const after = CURRENCY_AFTER.exec(text);
  // The one that comes first in the text: "DKK 1.250,00" or "1.250,00 kr".
  const first = before && after ? (before.index <= after.index ? 'before' : 'after') : before ? 'before' : after ? 'after' : null;
  if (first === 'before' && before) {
    currency = currencyOf(before[1]!);
    amount = parseAmount(before[2]!);
  } else if (first === 'after' && after) {
    amount = parseAmount(after[1]!);
    currency = currencyOf(after[2]!);
  } else {
    const labelled = LABELLED_AMOUNT.exec(text);
    if (labelled) amount = parseAmount(labelled[1]!);
  }
  const due = DUE_DATE.exec(text);
  return { invoice_number: number, amount, currency, due_date: due ? parseDueDate(due[1]!) : null };
}
