import { MailtrailError } from '../contract/errors';

/** How a query-string parameter becomes a field of the operation's request. */
export type ParamKind = 'integer' | 'text' | 'integer-list' | 'text-list' | 'key-value-list' | 'boolean';

export interface ParamSpec {
  /** The request field (camelCase) that the snake_case parameter fills. */
  field: string;
  kind: ParamKind;
}

/** snake_case parameter name -> request field. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

// Digits only, with an optional minus so that zod can say "must be between 1 and N" for -1.
const INTEGER = /^-?\d+$/;

const badRequest = (message: string) => new MailtrailError('bad_request', message);

/** Strict integer conversion: "12abc", "1e3", "0x10", "" and " 5" are refused, naming the parameter. */
export function parseInteger(name: string, text: string): number {
  if (text === '') throw badRequest(`${name}: must not be empty; give a whole number`);
  if (!INTEGER.test(text)) throw badRequest(`${name}: must be a whole number, got ${JSON.stringify(text.slice(0, 40))}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw badRequest(`${name}: ${text.slice(0, 40)} is out of range`);
  return value;
}

/** A repeatable parameter: `?event_type=a&event_type=b` and `?event_type=a,b` mean the same. */
function listValues(name: string, texts: string[]): string[] {
  const values = texts.flatMap((text) => text.split(','));
  if (values.some((value) => value === '')) throw badRequest(`${name}: has an empty value; give values separated by commas`);
  return values;
}

/** `metadata=error_type=extraction_failed`: the key ends at the first `=`. */
function keyValue(name: string, text: string): { key: string; value: string } {
  const at = text.indexOf('=');
  if (at < 1) throw badRequest(`${name}: must be key=value, e.g. ${name}=error_type=extraction_failed`);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

/**
 * Turns a query string into the operation's request object. Only the form is checked here
 * (known names, numbers); the operation's zod schema checks the values in `invoke`.
 */
export function parseQuery(search: URLSearchParams, specs: ParamSpecs): Record<string, unknown> {
  const names = [...new Set(search.keys())];
  const unknown = names.filter((name) => !Object.prototype.hasOwnProperty.call(specs, name));
  if (unknown.length > 0) {
    const allowed = Object.keys(specs);
    throw badRequest(
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 40))).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}; ` +
        (allowed.length ? `this endpoint takes ${allowed.join(', ')}` : 'this endpoint takes none'),
    );
  }
  const request: Record<string, unknown> = {};
  for (const name of names) {
    const spec = specs[name] as ParamSpec;
    const texts = search.getAll(name);
    switch (spec.kind) {
      case 'integer':
      case 'text': {
        if (texts.length > 1) throw badRequest(`${name}: given ${texts.length} times; give it once`);
        const text = texts[0] as string;
        request[spec.field] = spec.kind === 'integer' ? parseInteger(name, text) : text;
        break;
      }
      case 'integer-list':
        request[spec.field] = listValues(name, texts).map((text) => parseInteger(name, text));
        break;
      case 'text-list':
        request[spec.field] = listValues(name, texts);
        break;
      case 'boolean': {
        // `include_archived=true`: the words only, so `1` or `yes` is not taken for a guess.
        if (texts.length > 1 || (texts[0] !== 'true' && texts[0] !== 'false')) throw badRequest(`${name}: must be true or false, given once`);
        request[spec.field] = texts[0] === 'true';
        break;
      }
      case 'key-value-list':
        // Repeatable only: values may hold commas.
        request[spec.field] = texts.map((text) => keyValue(name, text));
        break;
    }
  }
  return request;
}

/**
 * The service names request fields (`eventCategories.0: ...`); an HTTP caller wrote query
 * parameters, so its messages name those (`event_category: ...`).
 */
export function nameParameters(message: string, specs: ParamSpecs, extra: Readonly<Record<string, string>> = {}): string {
  const names = new Map<string, string>(Object.entries(extra));
  for (const [name, spec] of Object.entries(specs)) names.set(spec.field, name);
  return message.replace(/(^|; )([A-Za-z]+)(?:\.\d+)?((?:\.[A-Za-z]+)*): /g, (whole, start: string, field: string, inner: string) => {
    const name = names.get(field);
    return name === undefined ? whole : `${start}${name}${inner.replaceAll('.', ' ')}: `;
  });
}
