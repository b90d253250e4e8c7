/** ANSI-aware text measuring for the demo's terminal output: colours take no columns. */

const SGR = /\u001b\[[0-9;]*m/g;

/**
 * Columns `text` takes in a terminal: its characters without colour codes (the demo prints
 * no wide characters).
 * @example
 * ```ts
 * visibleWidth('\u001b[31mopen\u001b[0m'); // 4
 * ```
 */
export const visibleWidth = (text: string): number => [...text.replace(SGR, '')].length;

/**
 * `text` cut to at most `width` visible columns, with `…` when cut; colour codes are kept,
 * and a reset is added after a cut so a colour never leaks into the next line.
 * @example
 * ```ts
 * truncate('inventory: closed → open', 12); // 'inventory: …'
 * ```
 */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const part of text.split(/(\u001b\[[0-9;]*m)/)) {
    if (part.startsWith('\u001b[')) {
      out += part;
      continue;
    }
    for (const char of part) {
      if (used === width - 1) return `${out}…${text.includes('\u001b[') ? '\u001b[0m' : ''}`;
      out += char;
      used++;
    }
  }
  return out;
}

/**
 * Plain `text` broken into lines of at most `width` columns at spaces (a word longer than
 * the width is cut).
 * @example
 * ```ts
 * wrap('inventory hangs: a probe times out', 20); // ['inventory hangs: a', 'probe times out']
 * ```
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line === '') line = truncate(word, width);
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = truncate(word, width);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Like {@link wrap}, but keeps `text`'s leading spaces on every line it breaks into, so
 * an indented paragraph stays indented at any width; `hanging` indents the lines after
 * the first by that many columns instead (for `label   value` lines).
 * @example
 * ```ts
 * wrapIndented('  catalog: closed, 120 successes', 20); // ['  catalog: closed,', '  120 successes']
 * wrapIndented('requests   catalog: 285 success', 24, 11); // ['requests   catalog: 285', '           success']
 * ```
 */
export function wrapIndented(text: string, width: number, hanging?: number): string[] {
  // The first `hanging` columns (a padded label) are kept as they are; the rest wraps beside them.
  const indent = hanging === undefined ? /^ */.exec(text)![0] : ' '.repeat(hanging);
  const head = hanging === undefined ? indent : text.slice(0, hanging).padEnd(hanging);
  const lines = wrap(hanging === undefined ? text : text.slice(hanging), Math.max(width - indent.length, 10));
  if (lines.length === 0) return [hanging === undefined ? '' : head.trimEnd()];
  return lines.map((line, i) => `${i === 0 ? head : indent}${line}`);
}
