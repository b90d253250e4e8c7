/**
 * The fenced TypeScript blocks of a Markdown file (`ts` or `typescript`), with the mode an
 * HTML comment before each one gives it. The convention (also in the README's notes for
 * contributors):
 *
 * - no marker, or `<!-- readme-test: fragment -->`: a snippet. It is type-checked against
 *   the package entries inside an async function (so `await` and `return` work), with
 *   what it uses but does not import supplied: the exports of `breakerbox` and its
 *   subpaths, `axios`, `ky`, msw's `http`/`HttpResponse`/`delay`/`passthrough`,
 *   `setupServer`, and `box` (a `BreakerBox`). Any other free name is an error, unless
 *   the marker names it: `<!-- readme-test: fragment; assumes send, isAbort -->` declares
 *   those as `any`.
 * - `<!-- readme-test: run -->`: a complete program. It is type-checked as a module as
 *   written, then run with Node, offline, where MSW answers `https://*.example.com`
 *   (unless the block starts its own MSW server); it must exit 0.
 * - `<!-- readme-test: skip: <why> -->`: not checked at all (pseudo-code); the reason is
 *   required.
 *
 * The marker is the last non-blank line before the fence.
 */

/** What the README test does with a block. */
export type BlockMode = 'run' | 'fragment' | 'skip';

/** One fenced TypeScript block and what its marker says to do with it. */
export interface ReadmeBlock {
  /** The Markdown file, relative to the project root, e.g. `README.md`. */
  file: string;
  /** 1-based line of the block's first line of code in `file`. */
  line: number;
  /** The nearest heading above the block, `''` before the first one. */
  heading: string;
  mode: BlockMode;
  /** Free names a fragment's marker declares (`assumes a, b`). */
  assumes: string[];
  /** Why a `skip` block is skipped. */
  skipReason?: string;
  code: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const MARKER = /^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$/;
const LANGUAGES = new Set(['ts', 'typescript']);

/**
 * Every `ts`/`typescript` block of `markdown`, in order.
 * @throws {SyntaxError} on a marker this file does not know, naming the file and line.
 * @example
 * ```ts
 * const blocks = extractBlocks(readFileSync('README.md', 'utf8'), 'README.md');
 * ```
 */
export function extractBlocks(markdown: string, file: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let heading = '';
  let lastText = '';
  let lastTextLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE.exec(line);
    if (!open) {
      if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '').trim();
      if (line.trim() !== '') [lastText, lastTextLine] = [line, i + 1];
      continue;
    }
    const [, indent = '', fence = '', language = ''] = open;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    if (LANGUAGES.has(language.toLowerCase())) {
      // Blocks inside list items are indented by the item; strip that much from each line.
      const code = lines
        .slice(start, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      const marker = MARKER.exec(lastText)?.[1];
      blocks.push({ file, line: start + 1, heading, code, ...parseMarker(marker, `${file}:${lastTextLine}`) });
    }
    i = end;
    lastText = '';
  }
  return blocks;
}

function parseMarker(marker: string | undefined, where: string): Pick<ReadmeBlock, 'mode' | 'assumes' | 'skipReason'> {
  if (marker === undefined || marker === 'fragment') return { mode: 'fragment', assumes: [] };
  if (marker === 'run') return { mode: 'run', assumes: [] };
  const assumes = /^fragment\s*;\s*assumes\s+(.+)$/.exec(marker);
  if (assumes) return { mode: 'fragment', assumes: assumes[1]!.split(/[\s,]+/).filter(Boolean) };
  const skip = /^skip\s*:\s*(\S.*)$/.exec(marker);
  if (skip) return { mode: 'skip', assumes: [], skipReason: skip[1]! };
  throw new SyntaxError(
    `Failed to read the readme-test marker at ${where}: got "${marker}". Please use one of "run", "fragment", "fragment; assumes a, b" or "skip: <reason>".`,
  );
}

/**
 * How a block is named in test output.
 * @example
 * ```ts
 * blockName(block); // 'README.md:108 (fetch)'
 * ```
 */
export const blockName = (block: ReadmeBlock): string => `${block.file}:${block.line}${block.heading ? ` (${block.heading})` : ''}`;
