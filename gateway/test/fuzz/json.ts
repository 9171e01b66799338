/**
 * Values JSON.stringify cannot write as a client may send them: a number literal out of the
 * double range (1e309 parses to Infinity), negative zero, a string of a megabyte that is
 * built only when sent (thousands of cases are generated before the first is sent).
 */
export class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return `raw(${this.text})`;
  }
}

export class Lazy {
  constructor(
    readonly describe: string,
    readonly make: () => unknown,
  ) {}
  toString() {
    return this.describe;
  }
}

/** JSON text of a request body, with RawJson written as is and Lazy built in place. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Lazy) return toJson(value.make());
  // A huge list of plain items (up to 100,000) in one native call: the same text, a fraction of the time.
  if (Array.isArray(value) && value.every((item) => item === null || item === undefined || typeof item !== 'object')) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : toJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A short printable form of a generated value, for a failure's message. */
export function describeValue(value: unknown, max = 160): string {
  const text = (() => {
    if (value instanceof RawJson || value instanceof Lazy) return String(value);
    if (Array.isArray(value) && value.length > 20) return `[${value.length} items of ${describeValue(value[0], 40)}]`;
    if (typeof value === 'string' && value.length > max) return `${JSON.stringify(value.slice(0, 40))}… (${value.length} chars)`;
    return JSON.stringify(value, (_key, item) => (item instanceof RawJson || item instanceof Lazy ? String(item) : item)) ?? String(value);
  })();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
