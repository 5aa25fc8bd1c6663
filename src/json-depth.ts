/**
 * How deep an answer's arrays and objects may nest. GHL's go 3 levels deep; what is deeper is cut
 * before parsing, because every step after it (JSON.parse, the schema, scrubbing, saving) recurses,
 * and an answer nested 10,000 deep overflows the stack in any of them.
 */
export const MAX_JSON_DEPTH = 32;

/** What stands where a deeper array or object was. */
export const CUT = '[nested too deep]';

/**
 * `text` with every array or object nested deeper than `max` replaced by the string CUT, or undefined
 * when nothing is that deep. One pass, no recursion; brackets inside strings do not count. Text that
 * is not JSON stays not JSON.
 */
export function cutDeepJson(text: string, max = MAX_JSON_DEPTH): string | undefined {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let cutFrom = -1;
  let copiedTo = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '[' || char === '{') {
      depth += 1;
      if (depth === max + 1) cutFrom = i;
    } else if (char === ']' || char === '}') {
      if (depth === max + 1 && cutFrom >= 0) {
        parts.push(text.slice(copiedTo, cutFrom), JSON.stringify(CUT));
        copiedTo = i + 1;
        cutFrom = -1;
      }
      depth -= 1;
    }
  }
  if (parts.length === 0) return undefined;
  parts.push(text.slice(copiedTo));
  return parts.join('');
}
