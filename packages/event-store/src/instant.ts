/**
 * Whether `text` is an RFC 3339 date-time, as the domain writes `occurredAt` (`toISOString()`, or with an
 * offset): a date, a time to the second with up to nine digits of fraction, and `Z` or an offset. Checked
 * character by character, with the ranges `Date.parse` checks, since it runs for every event appended and
 * every event projected (`Date.parse`, or a regular expression with captures, cost a fifth of the
 * projection's fold). The event store refuses an `occurredAt` it rejects, so that no stored event carries a
 * time the read model cannot project: `Date.parse` alone would take a date without a time, or a local time.
 */
export function isInstant(text: string): boolean {
  const { length } = text;
  if (length < 20 || !digits(text, 0, 4) || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T') return false;
  if (text[13] !== ':' || text[16] !== ':') return false;
  if (!inRange(text, 5, 1, 12) || !inRange(text, 8, 1, 31) || !inRange(text, 11, 0, 23)) return false;
  if (!inRange(text, 14, 0, 59) || !inRange(text, 17, 0, 59)) return false;
  let at = 19;
  if (text[at] === '.') {
    const from = ++at;
    while (at < length && isDigit(text.charCodeAt(at))) at++;
    if (at === from || at - from > 9) return false;
  }
  if (text[at] === 'Z') return at + 1 === length;
  return (
    (text[at] === '+' || text[at] === '-') &&
    at + 6 === length &&
    text[at + 3] === ':' &&
    inRange(text, at + 1, 0, 23) &&
    inRange(text, at + 4, 0, 59)
  );
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

function digits(text: string, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** Whether the two digits at `from` make a number from `min` to `max`. */
function inRange(text: string, from: number, min: number, max: number): boolean {
  if (!digits(text, from, 2)) return false;
  const value = (text.charCodeAt(from) - 48) * 10 + text.charCodeAt(from + 1) - 48;
  return value >= min && value <= max;
}
