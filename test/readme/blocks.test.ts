import { describe, expect, it } from 'vitest';
import { extractBlocks } from './blocks.js';
import { typecheckBlocks } from './typecheck-blocks.js';

const fence = '```';
const markdown = `# Title

${fence}ts
import { createBreakerBox } from 'breakerbox';
const box = createBreakerBox();
${fence}

## Steering

<!-- readme-test: fragment; assumes send, url -->

${fence}typescript
const permit = box.admit(url);
if (permit.allowed) permit.record({ kind: 'response', status: (await send(url)).status, headers: {} });
${fence}

${fence}sh
npm test
${fence}

- In a list:

  <!-- readme-test: run -->
  ${fence}ts
  console.log(isCircuitOpenError(new Error('x')));
  ${fence}

<!-- readme-test: skip: pseudo-code -->
${fence}ts
box.admit(…)
${fence}
`;

describe('extractBlocks', () => {
  it('finds the ts and typescript blocks with their line, heading and marker, and skips the others', () => {
    const blocks = extractBlocks(markdown, 'X.md');
    expect(blocks.map(({ line, heading, mode, assumes, skipReason }) => ({ line, heading, mode, assumes, skipReason }))).toEqual([
      { line: 4, heading: 'Title', mode: 'fragment', assumes: [], skipReason: undefined },
      { line: 13, heading: 'Steering', mode: 'fragment', assumes: ['send', 'url'], skipReason: undefined },
      { line: 25, heading: 'Steering', mode: 'run', assumes: [], skipReason: undefined },
      { line: 30, heading: 'Steering', mode: 'skip', assumes: [], skipReason: 'pseudo-code' },
    ]);
    // A block inside a list item loses the item's indentation.
    expect(blocks[2]!.code).toBe(`console.log(isCircuitOpenError(new Error('x')));`);
  });

  it('throws a SyntaxError naming the file, line and marker when the marker is unknown', () => {
    expect(() => extractBlocks(`<!-- readme-test: runn -->\n${fence}ts\nx\n${fence}\n`, 'Y.md')).toThrow(
      new SyntaxError('Failed to read the readme-test marker at Y.md:1: got "runn". Please use one of "run", "fragment", "fragment; assumes a, b" or "skip: <reason>".'),
    );
  });
});

describe('typecheckBlocks', () => {
  it('supplies the package exports and box to fragments, names each error by its README line, and checks programs as written', () => {
    const [plain, assumed, program] = extractBlocks(markdown, 'X.md');
    const typo = { ...plain!, line: 50, code: `const box = createBreakerBox({ breaker: { failureThreshhold: 2 } });` };
    const unassumed = { ...assumed!, line: 60, assumes: [] };
    const results = typecheckBlocks([plain!, assumed!, program!, typo, unassumed]);
    expect(results.get(plain!)).toEqual([]);
    expect(results.get(assumed!)).toEqual([]);
    // A program gets nothing supplied: isCircuitOpenError is not imported.
    expect(results.get(program!)).toEqual([expect.stringMatching(/^X\.md:25:13 TS2304: Cannot find name 'isCircuitOpenError'/)]);
    expect(results.get(typo)).toEqual([expect.stringMatching(/^X\.md:50:\d+ TS2561: Object literal may only specify known properties, but 'failureThreshhold' does not exist/)]);
    expect(results.get(unassumed)).toEqual([
      expect.stringMatching(/^X\.md:60:\d+ TS\d+: Cannot find name 'url'/),
      expect.stringMatching(/^X\.md:61:\d+ TS\d+: Cannot find name 'send'/),
      expect.stringMatching(/^X\.md:61:\d+ TS\d+: Cannot find name 'url'/),
    ]);
  }, 120_000);
});
