/**
 * SQL as values: every interpolated value becomes a parameter; fragments compose; identifiers
 * pass only through `sql.id`, which accepts plain names. No SQL is ever built from user text.
 */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** `$n` placeholders and their values, ready for `pool.query`. */
  toQuery(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.render(values);
    return { text, values };
  }

  private render(values: unknown[]): string {
    let text = this.strings[0] ?? '';
    this.values.forEach((value, index) => {
      if (value instanceof Sql) {
        text += value.render(values);
      } else {
        values.push(value);
        text += `$${values.length}`;
      }
      text += this.strings[index + 1] ?? '';
    });
    return text;
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

const IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A checked identifier (table or column name), double-quoted. */
sql.id = (name: string): Sql => {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return new Sql([`"${name}"`], []);
};

/** Trusted SQL text written in this repository, never user input. */
sql.raw = (text: string): Sql => new Sql([text], []);

sql.join = (fragments: readonly Sql[], separator: string): Sql => {
  if (fragments.length === 0) return new Sql([''], []);
  const strings = ['', ...fragments.slice(1).map(() => separator), ''];
  return new Sql(strings, fragments);
};

sql.empty = new Sql([''], []);

/** `WHERE a AND b`, or nothing when there are no conditions. */
sql.where = (conditions: readonly Sql[]): Sql =>
  conditions.length === 0 ? sql.empty : sql`WHERE ${sql.join(conditions, ' AND ')}`;
