import { describe, expect, it } from 'vitest';
import { truncate, visibleWidth, wrap, wrapIndented } from '../../demo/text.js';

const red = (text: string): string => `\u001b[31m${text}\u001b[0m`;

describe('the demo text helpers', () => {
  it('measure and cut by visible columns, ignoring colour codes and resetting a cut colour', () => {
    expect(visibleWidth(red('open'))).toBe(4);
    expect(truncate('inventory: closed → open', 12)).toBe('inventory: …');
    expect(truncate(`ab${red('cdef')}`, 4)).toBe('ab\u001b[31mc…\u001b[0m');
    expect(visibleWidth(truncate(`ab${red('cdef')}`, 4))).toBe(4);
    expect(truncate('short', 12)).toBe('short');
  });

  it('wrap at spaces, cutting only a word longer than the width', () => {
    expect(wrap('inventory hangs: a probe times out', 20)).toEqual(['inventory hangs: a', 'probe times out']);
    expect(wrap('x'.repeat(30), 10)).toEqual([`${'x'.repeat(9)}…`]);
  });

  it('keep an indentation, or a padded label as a hanging indent', () => {
    expect(wrapIndented('  catalog: closed, 120 successes', 20)).toEqual(['  catalog: closed,', '  120 successes']);
    expect(wrapIndented('requests   catalog: 285 success · inventory: 7 failure', 30, 11)).toEqual([
      'requests   catalog: 285',
      '           success ·',
      '           inventory: 7',
      '           failure',
    ]);
    expect(wrapIndented('retries    -', 30, 11)).toEqual(['retries    -']);
    expect(wrapIndented('', 30)).toEqual(['']);
  });
});
