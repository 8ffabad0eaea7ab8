/**
 * Screens read through `db/queries.ts` and write through the command modules: only the
 * storage layer (`src/db/`), the sync engine (`src/sync/`) and the photo pipeline
 * (`src/photos/`, which keeps the `photos` table) touch Dexie tables.
 *
 * The check uses the type checker, not a text search: `d.photos` is a table when `d` is the
 * database and a record's photo list when `d` is its data, and only the types can tell.
 * The service worker (`src/sw.ts`) opens its own database and is type-checked on its own
 * (tsconfig.sw.json); it is not part of this program.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");
const SRC = join(ROOT, "src");
/** Folders under src/ whose modules may touch tables. */
const STORAGE_LAYERS = ["db/", "sync/", "photos/"];

function compilerSetup(): { options: ts.CompilerOptions; files: string[] } {
  const configPath = join(ROOT, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return { options: parsed.options, files: parsed.fileNames };
}

/** Whether a type is declared by Dexie under one of `names` (or, for a class, extends one that is). */
function isDexie(type: ts.Type, names: readonly string[], seen = new Set<ts.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  if (type.isUnionOrIntersection()) return type.types.some((t) => isDexie(t, names, seen));
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  const fromDexie = symbol?.getDeclarations()?.some((d) => /[\\/]node_modules[\\/]dexie[\\/]/.test(d.getSourceFile().fileName));
  if (fromDexie && names.includes(symbol!.getName())) return true;
  if (type.isClassOrInterface()) return (type.getBaseTypes() ?? []).some((t) => isDexie(t, names, seen));
  return false;
}

/** What Dexie hands out for reading and writing rows. */
const TABLE_TYPES = ["Table", "Collection", "WhereClause"];
/** The database's members that reach tables without being one. */
const TABLE_MEMBERS = new Set(["table", "tables", "transaction"]);

/**
 * Each line in `files` that reaches a table, as "path:line: the innermost access": a table
 * taken from the database (`d.records`, `d.table("records")`, `const { outbox } = d`), a
 * transaction over tables, or anything called on a table, a collection or a where clause.
 * Opening the database or passing it to a query function is not reaching a table.
 */
function tableAccesses(files: string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  const isDatabase = (node: ts.Node) => isDexie(checker.getTypeAtLocation(node), ["Dexie"]);
  const isTable = (node: ts.Node) => isDexie(checker.getTypeAtLocation(node), TABLE_TYPES);
  const reaches = (node: ts.Node): boolean => {
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const key = ts.isPropertyAccessExpression(node) ? node.name : node.argumentExpression;
      const member = ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : "";
      if (isDatabase(node.expression)) return TABLE_MEMBERS.has(member) || isTable(node);
      return isTable(node.expression);
    }
    return ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && !!node.initializer && isDatabase(node.initializer);
  };
  const found = new Map<string, string>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    // Children first, so a chain like `d.records.where(...).toArray()` is named by its `d.records`.
    const visit = (node: ts.Node): void => {
      ts.forEachChild(node, visit);
      if (!reaches(node)) return;
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      const where = `${relative(ROOT, file).split("\\").join("/")}:${line + 1}`;
      if (!found.has(where)) found.set(where, node.getText(source).slice(0, 80));
    };
    visit(source);
  }
  return [...found].map(([where, text]) => `${where}: ${text}`);
}

function outsideStorageLayers(file: string): boolean {
  const path = relative(SRC, file).split("\\").join("/");
  return !path.startsWith("..") && !STORAGE_LAYERS.some((layer) => path.startsWith(layer));
}

describe("storage access", () => {
  it("finds a screen that reads a table or opens a transaction, and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "gridwalk-shape-"));
    try {
      const schema = join(SRC, "db", "schema").split("\\").join("/");
      const screen = join(dir, "Screen.ts");
      writeFileSync(
        screen,
        [
          `import { db, type GridwalkDB } from "${schema}";`,
          `export const report = (d: GridwalkDB) => d.records.get(["report", "r1"]);`,
          `export const data = { photos: ["a"] };`,
          `export const shas = data.photos;`,
          `export const write = () => db().transaction("rw", "outbox", () => undefined);`,
          `const { meta } = db();`,
          `export const table = meta;`,
          `export const named = db()["table"]("photos").count();`,
          `export const opened = (d: GridwalkDB) => d.open().then(() => d);`,
        ].join("\n"),
      );
      const found = tableAccesses([screen], compilerSetup().options).map((f) => f.slice(f.indexOf("Screen.ts:") + "Screen.ts:".length));
      expect(found).toEqual([
        "2: d.records",
        `5: db().transaction`,
        "6: { meta } = db()",
        `8: db()["table"]`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is touched only by db/, sync/ and photos/", () => {
    const { options, files } = compilerSetup();
    expect(tableAccesses(files.filter(outsideStorageLayers), options)).toEqual([]);
  });
});
