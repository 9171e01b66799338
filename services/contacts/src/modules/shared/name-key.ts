/** A name as compared and sorted: trimmed, inner spaces collapsed, lower-cased, accents kept. */
export const nameKey = (...parts: string[]) => parts.join(' ').trim().replace(/\s+/g, ' ').toLowerCase();
