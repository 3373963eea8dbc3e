/**
 * Just enough of a Bicep reader for static checks where no Bicep compiler is available:
 * comments, strings ('...' with ${...} interpolation, '''...''' verbatim) and bracket depth are
 * handled properly; expressions are not evaluated. The CI job `bicep` compiles the real thing.
 */
import { readFileSync } from "node:fs";

export interface BicepDecl {
  kind: "param" | "var" | "output" | "resource" | "module" | "other";
  name: string;
  /** param / output: the declared type; resource / module: the type string or the path. */
  type: string;
  /** param: the default value expression (undefined when none); var / output: the value; resource / module: the body. */
  value?: string;
  /** Decorators, e.g. ["@secure()", "@description('...')"]. */
  decorators: string[];
  /** Whole statement, comments removed. */
  text: string;
  line: number;
}

export interface BicepFile {
  path: string;
  source: string;
  /** Same length as source: comments blanked, strings kept. */
  code: string;
  /** Same length as source: comments and string contents blanked, interpolations kept. */
  bare: string;
  decls: BicepDecl[];
}

type Mode = "code" | "string" | "verbatim" | "lineComment" | "blockComment";

/** Blanks comments (both views) and string contents (bare view), keeping offsets and newlines. */
export function maskBicep(source: string): { code: string; bare: string } {
  const code = source.split("");
  const bare = source.split("");
  // A stack: inside ${...} of a string we are back in code, until the matching }.
  const modes: Mode[] = ["code"];
  const braceDepth: number[] = [0];
  const blank = (arr: string[], i: number) => {
    if (arr[i] !== "\n") arr[i] = " ";
  };
  for (let i = 0; i < source.length; i++) {
    const mode = modes[modes.length - 1];
    const c = source[i];
    const next = source[i + 1];
    switch (mode) {
      case "code":
        if (c === "/" && next === "/") {
          modes.push("lineComment");
          blank(code, i);
          blank(bare, i);
        } else if (c === "/" && next === "*") {
          modes.push("blockComment");
          blank(code, i);
          blank(bare, i);
        } else if (source.startsWith("'''", i)) {
          modes.push("verbatim");
          i += 2;
        } else if (c === "'") {
          modes.push("string");
        } else if (c === "{") {
          braceDepth[braceDepth.length - 1]++;
        } else if (c === "}") {
          if (braceDepth[braceDepth.length - 1] === 0 && modes.length > 1) {
            // end of an interpolation: back into the string
            modes.pop();
            braceDepth.pop();
          } else {
            braceDepth[braceDepth.length - 1]--;
          }
        }
        break;
      case "lineComment":
        if (c === "\n") modes.pop();
        else {
          blank(code, i);
          blank(bare, i);
        }
        break;
      case "blockComment":
        blank(code, i);
        blank(bare, i);
        if (c === "*" && next === "/") {
          blank(code, i + 1);
          blank(bare, i + 1);
          i++;
          modes.pop();
        }
        break;
      case "verbatim":
        if (source.startsWith("'''", i)) {
          modes.pop();
          i += 2;
        } else blank(bare, i);
        break;
      case "string":
        if (c === "\\") {
          blank(bare, i);
          blank(bare, i + 1);
          i++;
        } else if (c === "'") {
          modes.pop();
        } else if (c === "$" && next === "{") {
          modes.push("code");
          braceDepth.push(0);
          i++;
        } else blank(bare, i);
        break;
    }
  }
  return { code: code.join(""), bare: bare.join("") };
}

/** Top-level statements: a newline at bracket depth 0 ends one. Returns [start, end) offsets. */
function statementSpans(bare: string): [number, number][] {
  const spans: [number, number][] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= bare.length; i++) {
    const c = bare[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if ((c === "\n" || c === undefined) && depth === 0) {
      if (bare.slice(start, i).trim() !== "") spans.push([start, i]);
      start = i + 1;
    }
  }
  return spans;
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

export function parseBicep(source: string, path = "<inline>"): BicepFile {
  const { code, bare } = maskBicep(source);
  const decls: BicepDecl[] = [];
  let decorators: string[] = [];
  for (const [start, end] of statementSpans(bare)) {
    const text = code.slice(start, end).trim();
    const line = lineOf(source, start);
    if (text.startsWith("@")) {
      decorators.push(text);
      continue;
    }
    let m: RegExpMatchArray | null;
    let decl: BicepDecl;
    if ((m = text.match(/^param\s+(\w+)\s+([\w.]+)\s*(?:=\s*([\s\S]*))?$/))) {
      decl = { kind: "param", name: m[1], type: m[2], value: m[3]?.trim(), decorators, text, line };
    } else if ((m = text.match(/^var\s+(\w+)\s*=\s*([\s\S]*)$/))) {
      decl = { kind: "var", name: m[1], type: "", value: m[2].trim(), decorators, text, line };
    } else if ((m = text.match(/^output\s+(\w+)\s+(\w+)\s*=\s*([\s\S]*)$/))) {
      decl = { kind: "output", name: m[1], type: m[2], value: m[3].trim(), decorators, text, line };
    } else if ((m = text.match(/^resource\s+(\w+)\s+'([^']+)'\s*(?:existing\s*)?=\s*([\s\S]*)$/))) {
      decl = { kind: "resource", name: m[1], type: m[2], value: m[3].trim(), decorators, text, line };
    } else if ((m = text.match(/^module\s+(\w+)\s+'([^']+)'\s*=\s*([\s\S]*)$/))) {
      decl = { kind: "module", name: m[1], type: m[2], value: m[3].trim(), decorators, text, line };
    } else {
      decl = { kind: "other", name: "", type: "", decorators, text, line };
    }
    decls.push(decl);
    decorators = [];
  }
  return { path, source, code, bare, decls };
}

export function readBicep(path: string): BicepFile {
  return parseBicep(readFileSync(path, "utf8"), path);
}

export const declsOf = (file: BicepFile, kind: BicepDecl["kind"]) => file.decls.filter((d) => d.kind === kind);
export const isSecure = (decl: BicepDecl) => decl.decorators.some((d) => /^@secure\(\s*\)$/.test(d));

/** The text of the balanced {...} / [...] / (...) that opens at `open` (an offset into `text`). */
export function balanced(text: string, open: number): string {
  const { bare } = maskBicep(text);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = bare[i];
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") {
      depth--;
      if (depth === 0) return text.slice(open, i + 1);
    }
  }
  throw new Error(`unbalanced brackets from offset ${open}`);
}

/** Keys of an object literal `{ ... }` (its top level only). */
export function objectKeys(literal: string): string[] {
  const { bare } = maskBicep(literal);
  const keys: string[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < literal.length; i++) {
    const c = bare[i];
    if (lineStart && depth === 1) {
      const rest = literal.slice(i);
      const m = rest.match(/^[ \t]*(?:([A-Za-z_]\w*)|'([^']+)')\s*:/);
      if (m) keys.push(m[1] ?? m[2]);
    }
    lineStart = c === "\n";
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") depth--;
  }
  return keys;
}

/** The object literal following `key:` in `text` (the first one at any depth). */
export function objectAfter(text: string, key: string): string {
  const m = new RegExp(`\\b${key}\\s*:\\s*\\{`).exec(maskBicep(text).bare);
  if (!m) throw new Error(`no "${key}: {" found`);
  return balanced(text, m.index + m[0].length - 1);
}

/** Verbatim '''...''' strings in a source text. */
export function verbatimStrings(source: string): string[] {
  return [...source.matchAll(/'''([\s\S]*?)'''/g)].map((m) => m[1]);
}

/**
 * Whether the identifier declared by `decl` is used in `file`: strings, comments, its own
 * declaration, property accesses (`x.name`) and object keys (`name: ...` at the start of a line)
 * do not count.
 */
export function isReferenced(file: BicepFile, decl: BicepDecl): boolean {
  const pattern = new RegExp(`(?<![\\w.])${decl.name}\\b`, "g");
  for (const m of file.bare.matchAll(pattern)) {
    const at = m.index!;
    const lineStart = file.bare.lastIndexOf("\n", at - 1) + 1;
    const before = file.bare.slice(lineStart, at);
    const after = file.bare.slice(at + decl.name.length);
    if (/\b(?:param|var|output|resource|module)\s+$/.test(before)) continue;
    if (before.trim() === "" && /^\s*:/.test(after)) continue;
    return true;
  }
  return false;
}
