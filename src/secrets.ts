/** What a secret is replaced with wherever it would have been shown. */
export const REDACTED = '[redacted]';
/** Shorter values would redact ordinary words; GHL's secrets, tokens and codes are far longer. */
const MIN_SECRET_LENGTH = 8;

/**
 * The secrets one run knows (client secret, code, every token it sent or received). Any text that
 * came from outside (GHL's error messages, a proxy's echo) is scrubbed through it before it is shown,
 * logged, alerted or recorded: GHL may echo a request's parameters back.
 */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(...values: (string | undefined)[]): void {
    for (const value of values) {
      if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
      this.values.add(value);
      // As a form body or a URL would echo it.
      this.values.add(encodeURIComponent(value));
    }
  }

  scrub(text: string): string {
    let clean = text;
    // Longest first: a secret that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) clean = clean.split(value).join(REDACTED);
    return clean;
  }

  /** Every string inside `value` scrubbed (objects and arrays copied); other values as they are. */
  scrubDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((item) => this.scrubDeep(item));
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.scrubDeep(item)]));
    }
    return value;
  }
}
