/**
 * Type-checks README blocks (test/readme/blocks.ts) against the package entries, the way
 * `tsc` checks examples/: the project's tsconfig.json, whose `paths` map `breakerbox/*`
 * to src/. Each block becomes one in-memory file next to this one; nothing is written.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { ReadmeBlock } from './blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Names a fragment may use without importing them, beyond the package's own exports. */
const PEERS: [name: string, statement: string][] = [
  ['axios', `import axios from 'axios';`],
  ['ky', `import ky from 'ky';`],
  ['http', `import { http } from 'msw';`],
  ['HttpResponse', `import { HttpResponse } from 'msw';`],
  ['delay', `import { delay } from 'msw';`],
  ['passthrough', `import { passthrough } from 'msw';`],
  ['setupServer', `import { setupServer } from 'msw/node';`],
];

function loadConfig(): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!parsed) throw new Error('Failed to read tsconfig.json. Please keep it valid.');
  return parsed;
}

/** The package entries that exist right now (`breakerbox/otel` may not yet), from tsconfig `paths`. */
function packageEntries(config: ts.ParsedCommandLine): [specifier: string, file: string][] {
  return Object.entries(config.options.paths ?? {})
    .filter(([key, targets]) => key.startsWith('breakerbox') && !key.includes('*') && targets.length > 0)
    .map(([key, [target]]): [string, string] => [key, `${root}${target!.replace(/^\.\//, '')}`])
    .filter(([, file]) => existsSync(file));
}

/** For each export name, the import statement that brings it in (the first entry wins). */
function exportImports(program: ts.Program, entries: [string, string][]): Map<string, string> {
  const checker = program.getTypeChecker();
  const imports = new Map<string, string>();
  for (const [specifier, file] of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) continue;
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const name = symbol.getName();
      if (imports.has(name)) continue;
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const typeOnly = (target.flags & ts.SymbolFlags.Value) === 0;
      imports.set(name, `import { ${typeOnly ? 'type ' : ''}${name} } from '${specifier}';`);
    }
  }
  for (const [name, statement] of PEERS) if (!imports.has(name)) imports.set(name, statement);
  return imports;
}

/** Identifiers a block uses, and the names it binds itself at its top level or imports. */
function namesOf(code: string): { used: Set<string>; bound: Set<string>; imports: ts.ImportDeclaration[] } {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  const used = new Set<string>();
  const bound = new Set<string>();
  const imports: ts.ImportDeclaration[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      imports.push(statement);
      const clause = statement.importClause;
      if (clause?.name) bound.add(clause.name.text);
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) bound.add(named.name.text);
      if (named && ts.isNamedImports(named)) for (const element of named.elements) bound.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const bind = (name: ts.BindingName): void => {
          if (ts.isIdentifier(name)) bound.add(name.text);
          else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
        };
        bind(declaration.name);
      }
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) {
      bound.add(statement.name.text);
    }
  }
  return { used, bound, imports };
}

interface VirtualFile {
  block: ReadmeBlock;
  path: string;
  text: string;
  /** Lines before the block's first line in `text`. */
  offset: number;
}

/**
 * A fragment as a module: its own imports and the supplied ones first, then its other
 * statements inside an async function, each on the line it had (imports blanked out), so
 * a diagnostic's line maps straight back to the README.
 */
function fragmentFile(block: ReadmeBlock, path: string, supplied: Map<string, string>): VirtualFile {
  const { used, bound, imports } = namesOf(block.code);
  const own = imports.map((statement) => statement.getText());
  let body = block.code;
  for (const statement of [...imports].reverse()) {
    const [start, end] = [statement.getStart(), statement.getEnd()];
    body = body.slice(0, start) + body.slice(start, end).replace(/[^\n]/g, '') + body.slice(end);
  }
  const prelude = [...own.map((s) => s.replace(/\n/g, ' '))];
  for (const name of used) {
    if (bound.has(name) || block.assumes.includes(name)) continue;
    const statement = supplied.get(name);
    if (statement) prelude.push(statement);
  }
  if (used.has('box') && !bound.has('box') && !block.assumes.includes('box')) {
    prelude.push(`import type { BreakerBox as ReadmeBreakerBox } from 'breakerbox';`, 'declare const box: ReadmeBreakerBox;');
  }
  for (const name of block.assumes) prelude.push(`declare const ${name}: any;`);
  prelude.push('export {};', 'async function readmeFragment() {');
  return { block, path, text: `${prelude.join('\n')}\n${body}\n}\n`, offset: prelude.length };
}

/**
 * Type-checks every block that is not `skip`, and returns, per block, its diagnostics as
 * `README.md:12:5 TS2304: Cannot find name 'x'.` (empty when it checks cleanly).
 * @example
 * ```ts
 * const errors = typecheckBlocks(extractBlocks(readme, 'README.md'));
 * ```
 */
export function typecheckBlocks(blocks: readonly ReadmeBlock[]): Map<ReadmeBlock, string[]> {
  const config = loadConfig();
  // Fragments declare things they never use; that is not what this checks.
  const options: ts.CompilerOptions = { ...config.options, noUnusedLocals: false, noUnusedParameters: false, noEmit: true };
  const entries = packageEntries(config);
  const host = ts.createCompilerHost(options, true);
  const entryProgram = ts.createProgram({ rootNames: entries.map(([, file]) => file), options, host });
  const supplied = exportImports(entryProgram, entries);

  const files = blocks
    .filter((block) => block.mode !== 'skip')
    .map((block, i): VirtualFile => {
      const path = `${root}test/readme/__readme-block-${i}__.ts`;
      return block.mode === 'run' ? { block, path, text: `${block.code}\nexport {};\n`, offset: 0 } : fragmentFile(block, path, supplied);
    });
  const byPath = new Map(files.map((file) => [file.path, file]));
  const virtualHost: ts.CompilerHost = {
    ...host,
    fileExists: (path) => byPath.has(path) || host.fileExists(path),
    readFile: (path) => byPath.get(path)?.text ?? host.readFile(path),
    getSourceFile: (path, language, onError, create) => {
      const file = byPath.get(path);
      return file ? ts.createSourceFile(path, file.text, language, true) : host.getSourceFile(path, language, onError, create);
    },
  };
  const program = ts.createProgram({ rootNames: files.map((file) => file.path), options, host: virtualHost, oldProgram: entryProgram });

  const results = new Map<ReadmeBlock, string[]>(blocks.map((block) => [block, []]));
  for (const file of files) {
    const source = program.getSourceFile(file.path)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    results.set(
      file.block,
      diagnostics.map((d) => {
        const { line, character } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        const where = line < file.offset ? `${file.block.file}:${file.block.line} (in the supplied imports)` : `${file.block.file}:${file.block.line + line - file.offset}:${character + 1}`;
        return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
  }
  return results;
}
