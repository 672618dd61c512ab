/**
 * Writes (or, with --check, compares) packages/core/api-report.md: every name each entry of
 * @antidote/core exports, with its kind. The public surface changes only when this file does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const coreDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reportPath = path.join(coreDir, 'api-report.md');

type Kind = 'class' | 'function' | 'const' | 'enum' | 'interface' | 'type';

const parsed = new Map<string, ts.SourceFile>();
function parse(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    parsed.set(file, source);
  }
  return source;
}

const hasExport = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** What `name` is in `file`, following `export { ... } from` and `import` chains (syntax only: fast). */
function kindOf(name: string, file: string, depth = 0): Kind {
  if (depth > 20) throw new Error(`re-export cycle at ${name} in ${file}`);
  const source = parse(file);
  const resolve = (specifier: string) => path.resolve(path.dirname(file), specifier);
  for (const node of source.statements) {
    if (ts.isFunctionDeclaration(node) && node.name?.text === name) return 'function';
    if (ts.isClassDeclaration(node) && node.name?.text === name) return 'class';
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) return 'interface';
    if (ts.isTypeAliasDeclaration(node) && node.name.text === name) return 'type';
    if (ts.isEnumDeclaration(node) && node.name.text === name) return 'enum';
    if (
      ts.isVariableStatement(node) &&
      node.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)
    ) {
      return 'const';
    }
    if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      const element = node.exportClause.elements.find((e) => e.name.text === name);
      if (element) {
        const original = element.propertyName?.text ?? name;
        if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
          return kindOf(original, resolve(node.moduleSpecifier.text), depth + 1);
        if (original !== name) return kindOf(original, file, depth + 1);
      }
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        const element = bindings.elements.find((e) => e.name.text === name);
        if (element) {
          if (!node.moduleSpecifier.text.startsWith('.')) return 'const'; // a package's value (e.g. tf)
          return kindOf(element.propertyName?.text ?? name, resolve(node.moduleSpecifier.text), depth + 1);
        }
      }
      if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) return 'const';
    }
  }
  throw new Error(`cannot find ${name} in ${file}`);
}

/** The names an entry file exports: its export declarations and exported statements. */
function exportedNames(file: string): string[] {
  const names: string[] = [];
  for (const node of parse(file).statements) {
    if (ts.isExportDeclaration(node)) {
      if (!node.exportClause) throw new Error(`${file} uses export *; list the names`);
      if (ts.isNamedExports(node.exportClause)) names.push(...node.exportClause.elements.map((e) => e.name.text));
    } else if (hasExport(node)) {
      if (ts.isVariableStatement(node)) {
        for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
      } else if (
        (ts.isFunctionDeclaration(node) ||
          ts.isClassDeclaration(node) ||
          ts.isInterfaceDeclaration(node) ||
          ts.isTypeAliasDeclaration(node) ||
          ts.isEnumDeclaration(node)) &&
        node.name
      ) {
        names.push(node.name.text);
      }
    }
  }
  return names;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function renderApiReport(): string {
  const pkg = JSON.parse(readFileSync(path.join(coreDir, 'package.json'), 'utf8')) as { exports: Record<string, string> };
  const entries = Object.entries(pkg.exports).sort(([a], [b]) => byName(a, b));
  const sections: string[] = [];
  let total = 0;
  for (const [subpath, relative] of entries) {
    const file = path.join(coreDir, relative);
    const names = [...new Set(exportedNames(file))].sort(byName);
    total += names.length;
    const entry = subpath === '.' ? '@antidote/core' : `@antidote/core/${subpath.slice(2)}`;
    sections.push(`## ${entry} (${names.length})`, '', '```ts', ...names.map((n) => `${kindOf(n, file)} ${n}`), '```', '');
  }
  return [
    '# @antidote/core public API',
    '',
    'Generated by `npm run api-report -w @antidote/core` from the `exports` map of package.json; a test',
    '(`src/api-report.test.ts`) fails when the surface differs from this file. Change the surface on',
    'purpose: edit the entry, regenerate, and commit both.',
    '',
    `${total} exported names over ${entries.length} entries.`,
    '',
    ...sections,
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = renderApiReport();
  if (process.argv.includes('--check')) {
    const current = readFileSync(reportPath, 'utf8');
    if (current !== report) {
      console.error('packages/core/api-report.md is out of date: run npm run api-report -w @antidote/core');
      process.exit(1);
    }
  } else {
    writeFileSync(reportPath, report);
  }
}
