// The checks a drafted crew module passes before it ever runs: parsed and type-checked by the
// TypeScript compiler as if it sat in crews/forged/, imports only from an allowlist, no global
// but a short list of pure ones (no process, timers, network, files, eval, Function), no
// reflective escapes (`constructor`, `__proto__`, computed keys that are not numbers or plain
// literals), every number param with a default and bounds, a new kebab-case name. Pure: the
// source is read, never run. Each refusal names the exact reason, in words a model can act on.
//
// The checks are one wall; the sandbox is the second. What the checks miss (an endless loop, a
// param schema only the runtime can describe) the sandbox catches.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root (where crews/, src/ and node_modules/ are). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where a draft is type-checked from, and where an approved one goes: imports are relative to it. */
export const FORGED_DIR = join(PROJECT_ROOT, 'crews', 'forged');

/** The only modules a draft may import, as written from crews/forged/. */
export const ALLOWED_IMPORTS: readonly string[] = Object.freeze(['trading-signals', 'zod', '../../src/crew/template.ts', '../../src/core/domain.ts']);

/** Globals a crew may use: pure values and functions with no reach outside the process's memory. */
const ALLOWED_GLOBALS = new Set([
  'Math',
  'Number',
  'String',
  'Boolean',
  'Array',
  'Object',
  'JSON',
  'Date',
  'Map',
  'Set',
  'Infinity',
  'NaN',
  'undefined',
  'isFinite',
  'isNaN',
  'parseFloat',
  'parseInt',
  'Error',
  'RangeError',
  'TypeError',
]);

/** Names refused wherever they stand for a value, even where the compiler has no declaration (`globalThis` is synthesized). */
const FORBIDDEN_NAMES = new Set(['globalThis', 'global', 'process', 'require', 'module', 'exports', 'eval', 'Function', 'Reflect', 'Proxy', 'WebAssembly']);

/** Members of allowed globals that reach outside pure computation or break determinism. */
const FORBIDDEN_MEMBERS: Readonly<Record<string, ReadonlySet<string>>> = {
  Math: new Set(['random']),
  Date: new Set(['now']),
  Object: new Set([
    'getPrototypeOf',
    'setPrototypeOf',
    'getOwnPropertyDescriptor',
    'getOwnPropertyDescriptors',
    'getOwnPropertyNames',
    'getOwnPropertySymbols',
    'defineProperty',
    'defineProperties',
    'create',
  ]),
};

/** Property names that lead from any value to Function, the prototype chain or the caller. */
const FORBIDDEN_PROPERTIES = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'caller',
  'callee',
  'arguments',
]);

const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_PROBLEMS_PER_CHECK = 10;

export type CheckRule = 'name' | 'syntax' | 'imports' | 'forbidden' | 'types' | 'params';

export interface DraftCheck {
  readonly rule: CheckRule;
  readonly ok: boolean;
  /** Empty when ok; each one line, with line:column where the source has one. */
  readonly problems: readonly string[];
}

export interface CheckReport {
  readonly ok: boolean;
  /** The crew name the file proposes (its file name without .ts). */
  readonly name: string;
  readonly checks: readonly DraftCheck[];
}

export interface DraftInput {
  /** e.g. `ema-rsi-trend.ts`. */
  readonly fileName: string;
  readonly source: string;
  /** Crew names already taken (loaded crews, other pending drafts' targets). */
  readonly existingNames: ReadonlySet<string>;
}

/** Every problem of a report, one per line, as sent back to the model and shown to the owner. */
export function describeProblems(report: CheckReport): string {
  return report.checks
    .filter((c) => !c.ok)
    .flatMap((c) => c.problems.map((p) => `[${c.rule}] ${p}`))
    .join('\n');
}

export function checkDraft(input: DraftInput): CheckReport {
  const name = input.fileName.replace(/\.ts$/, '');
  const checks: DraftCheck[] = [check('name', nameProblems(input))];
  if (!checks[0]!.ok) return report(name, checks);

  const fileName = join(FORGED_DIR, `${name}.ts`);
  const program = programFor(fileName, input.source);
  const file = program.getSourceFile(fileName)!;

  const syntax = program.getSyntacticDiagnostics(file).map(formatDiagnostic);
  checks.push(check('syntax', syntax));
  if (syntax.length > 0) return report(name, checks);

  const imports = importProblems(file);
  checks.push(check('imports', imports));
  const checker = program.getTypeChecker();
  checks.push(check('forbidden', forbiddenProblems(file, checker)));
  // Type errors of a file with a refused import would only repeat that refusal.
  if (imports.length === 0) checks.push(check('types', program.getSemanticDiagnostics(file).map(formatDiagnostic)));
  checks.push(check('params', paramProblems(file, name)));
  return report(name, checks);
}

/**
 * Parses the standard library, Node's types, zod and the template once (seconds, cold), so that a
 * draft's check later takes a fraction of a second of the desk's event loop. Call at start-up.
 */
export function warmUpChecks(): void {
  checkDraft({
    fileName: 'warm-up.ts',
    source:
      "import { z } from 'zod';\nimport { defineCrew } from '../../src/crew/template.ts';\nimport { HOLD } from '../../src/core/domain.ts';\nexport default defineCrew({ name: 'warm-up', description: 'x', params: z.object({}), indicators: () => ({}), warmup: () => 0, onCandle: () => HOLD });\n",
    existingNames: new Set(),
  });
}

function report(name: string, checks: DraftCheck[]): CheckReport {
  return { ok: checks.every((c) => c.ok), name, checks };
}

function check(rule: CheckRule, problems: readonly string[]): DraftCheck {
  const shown =
    problems.length > MAX_PROBLEMS_PER_CHECK
      ? [...problems.slice(0, MAX_PROBLEMS_PER_CHECK), `… and ${problems.length - MAX_PROBLEMS_PER_CHECK} more`]
      : problems;
  return { rule, ok: problems.length === 0, problems: shown };
}

function nameProblems({ fileName, existingNames }: DraftInput): string[] {
  if (!fileName.endsWith('.ts')) return [`file name "${fileName}" must end in .ts`];
  const name = fileName.slice(0, -3);
  if (!KEBAB_CASE.test(name)) return [`crew name "${name}" is not kebab-case (lowercase letters and digits joined by single hyphens)`];
  if (name.length > 40) return [`crew name "${name}" is longer than 40 characters`];
  if (existingNames.has(name)) return [`crew name "${name}" is taken: choose a new name`];
  return [];
}

// ── The compiler ──

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  allowImportingTsExtensions: true,
  noEmit: true,
  esModuleInterop: true,
  skipLibCheck: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  // Node's types are loaded so that `process`, `fetch`, `setTimeout` resolve and are refused by
  // name as globals, rather than as "cannot find name".
  types: ['node'],
};

/** The last program: the next one reuses its structure. */
let previous: ts.Program | undefined;
const baseHost = ts.createCompilerHost(COMPILER_OPTIONS, true);
/** Parsed library and template files, kept across drafts: parsing Node's types is most of a check's time. */
const parsed = new Map<string, ts.SourceFile | undefined>();

function programFor(fileName: string, source: string): ts.Program {
  const host: ts.CompilerHost = {
    ...baseHost,
    fileExists: (f) => f === fileName || baseHost.fileExists(f),
    readFile: (f) => (f === fileName ? source : baseHost.readFile(f)),
    getSourceFile: (f, language, onError, shouldCreate) =>
      f === fileName ? ts.createSourceFile(f, source, language, true, ts.ScriptKind.TS) : cachedSourceFile(f, language, onError, shouldCreate),
  };
  const program = ts.createProgram({ rootNames: [fileName], options: COMPILER_OPTIONS, host, ...(previous ? { oldProgram: previous } : {}) });
  previous = program;
  return program;
}

function cachedSourceFile(...args: Parameters<ts.CompilerHost['getSourceFile']>): ts.SourceFile | undefined {
  const [f] = args;
  if (!parsed.has(f)) parsed.set(f, baseHost.getSourceFile(...args));
  return parsed.get(f);
}

function formatDiagnostic(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `line ${line + 1}, column ${character + 1}: error TS${d.code}: ${text}`;
  }
  return `error TS${d.code}: ${text}`;
}

function at(node: ts.Node): string {
  const file = node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
  return `line ${line + 1}, column ${character + 1}`;
}

// ── Imports ──

function importProblems(file: ts.SourceFile): string[] {
  const problems: string[] = [];
  const allowed = ALLOWED_IMPORTS.map((s) => `"${s}"`).join(', ');
  for (const statement of file.statements) {
    if (ts.isImportEqualsDeclaration(statement)) {
      problems.push(`${at(statement)}: \`import … = require(…)\` is not allowed; use \`import … from\` one of ${allowed}`);
      continue;
    }
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || statement.moduleSpecifier === undefined) continue;
    const specifier = ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : statement.moduleSpecifier.getText(file);
    if (!ALLOWED_IMPORTS.includes(specifier)) {
      problems.push(`${at(statement)}: imports "${specifier}", which a crew may not import (allowed: ${allowed})`);
    }
  }
  return problems;
}

// ── Forbidden reach ──

function forbiddenProblems(file: ts.SourceFile, checker: ts.TypeChecker): string[] {
  const problems: string[] = [];
  const refuse = (node: ts.Node, why: string) => problems.push(`${at(node)}: ${why}`);

  const visit = (node: ts.Node): void => {
    if (isTypeLevel(node)) return;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      refuse(node, 'dynamic `import()` is not allowed: a crew imports statically from the allowlist');
    } else if (ts.isMetaProperty(node)) {
      refuse(node, `\`${node.getText(file)}\` is not allowed`);
    } else if (node.kind === ts.SyntaxKind.DebuggerStatement) {
      refuse(node, '`debugger` is not allowed');
    } else if (ts.isPropertyAccessExpression(node)) {
      const member = node.name.text;
      if (FORBIDDEN_PROPERTIES.has(member)) refuse(node.name, `\`.${member}\` is not allowed: it reaches Function or the prototype chain`);
      const owner = ts.isIdentifier(node.expression) ? node.expression.text : null;
      if (owner !== null && FORBIDDEN_MEMBERS[owner]?.has(member) && isGlobal(node.expression as ts.Identifier, checker)) {
        refuse(
          node,
          `\`${owner}.${member}\` is not allowed${member === 'random' || member === 'now' ? ': a crew must decide the same way on the same candles' : ''}`,
        );
      }
    } else if (ts.isElementAccessExpression(node)) {
      const problem = computedKeyProblem(node.argumentExpression, checker);
      if (problem) refuse(node.argumentExpression, problem);
    } else if (ts.isIdentifier(node) && isValueReference(node)) {
      if (FORBIDDEN_NAMES.has(node.text) || (isGlobal(node, checker) && !ALLOWED_GLOBALS.has(node.text))) {
        refuse(node, `uses the global \`${node.text}\`, which a crew may not use (allowed globals: ${[...ALLOWED_GLOBALS].join(', ')})`);
      } else if (node.text === 'arguments') {
        refuse(node, '`arguments` is not allowed');
      }
    } else if ((ts.isPropertyAssignment(node) || ts.isMethodDeclaration(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name)) {
      if (FORBIDDEN_PROPERTIES.has(node.name.text)) refuse(node.name, `a property named \`${node.name.text}\` is not allowed`);
    } else if (ts.isStringLiteralLike(node) && FORBIDDEN_PROPERTIES.has(node.text) && !ts.isImportDeclaration(node.parent)) {
      refuse(node, `the string "${node.text}" is not allowed: it names a way to Function or the prototype chain`);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  return problems;
}

/** A key that is a number, or a string literal that names no escape. Anything else could be assembled into "constructor". */
function computedKeyProblem(key: ts.Expression, checker: ts.TypeChecker): string | null {
  if (ts.isStringLiteralLike(key))
    return FORBIDDEN_PROPERTIES.has(key.text) ? `\`["${key.text}"]\` is not allowed: it reaches Function or the prototype chain` : null;
  if (ts.isNumericLiteral(key)) return null;
  const type = checker.getTypeAtLocation(key);
  if ((type.flags & ts.TypeFlags.NumberLike) !== 0) return null;
  return `a computed member \`[${key.getText()}]\` with a key of type ${checker.typeToString(type)} is not allowed: index with a number, or use a plain property or a Map`;
}

/** Whether an identifier stands for a value that could be a global (not a property name, a declaration or a label). */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if (
    (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isPropertySignature(parent)) &&
    parent.name === node
  )
    return false;
  if ((ts.isGetAccessor(parent) || ts.isSetAccessor(parent) || ts.isEnumMember(parent)) && parent.name === node) return false;
  if (ts.isImportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent) || ts.isExportSpecifier(parent)) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === node) return false;
  return true;
}

/** Declared only in declaration files (the standard library, Node's types), not imported or declared by the draft. */
function isGlobal(node: ts.Identifier, checker: ts.TypeChecker): boolean {
  const symbol = checker.getSymbolAtLocation(node);
  if (symbol === undefined) return false; // an unknown name: the type check reports it
  if ((symbol.flags & ts.SymbolFlags.Alias) !== 0) return false;
  const declarations = symbol.declarations ?? [];
  return declarations.length > 0 && declarations.every((d) => d.getSourceFile().isDeclarationFile);
}

function isTypeLevel(node: ts.Node): boolean {
  return (
    (node.kind >= ts.SyntaxKind.FirstTypeNode && node.kind <= ts.SyntaxKind.LastTypeNode) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly === true)
  );
}

// ── Params and the definition's shape ──

/**
 * What can be read from the source: `export default defineCrew({ name: '<file name>', … })`, and
 * every `z.number()` chain with .min(), .max() and .default(). The loader's schemaProblems runs
 * on the real schema in the sandbox; this finds the usual misses before anything runs.
 */
function paramProblems(file: ts.SourceFile, name: string): string[] {
  const problems: string[] = [];
  const defaultExport = file.statements.find(ts.isExportAssignment);
  const call = defaultExport?.expression;
  if (!call || !ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== 'defineCrew') {
    problems.push('the module must end with `export default defineCrew({ … })`');
  } else {
    const spec = call.arguments[0];
    const nameProp =
      spec && ts.isObjectLiteralExpression(spec) ? spec.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText(file) === 'name') : undefined;
    const value = nameProp && ts.isPropertyAssignment(nameProp) ? nameProp.initializer : undefined;
    if (!value || !ts.isStringLiteralLike(value)) problems.push(`defineCrew needs \`name: '${name}'\` as a plain string (the file name)`);
    else if (value.text !== name) problems.push(`${at(value)}: crew name "${value.text}" does not match the file name "${name}"`);
  }

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isZNumber(node)) {
      const methods = chainMethods(node);
      const missing = ['min', 'max', 'default'].filter((m) => !methods.has(m));
      if (missing.length > 0)
        problems.push(`${at(node)}: a number param needs ${missing.map((m) => `.${m}()`).join(', ')} (every number has a default and bounds)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return problems;
}

function isZNumber(node: ts.CallExpression): boolean {
  const e = node.expression;
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'z' && e.name.text === 'number';
}

/** The method names called on a value up its chain: z.number().int().min(1) → {int, min}. */
function chainMethods(start: ts.CallExpression): Set<string> {
  const names = new Set<string>();
  let node: ts.Node = start;
  while (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node && ts.isCallExpression(node.parent.parent)) {
    names.add(node.parent.name.text);
    node = node.parent.parent;
  }
  return names;
}
