// Reading CSV / CSV.gz files strictly: a file, a comma-separated list or a folder; every malformed
// value is a one-line DataError naming file, row (1-based line number, the header is row 1) and
// field. The parser is a plain line split (fields with quotes are split quote-aware): the formats
// read here are machine-written tables of numbers, and nothing heavier earns its import time.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";

/** Bad input data: the message is one line naming file, row and field. */
export class DataError extends Error {}

/** A file, a comma-separated list of files, or a folder (its .csv and .csv.gz files that `accept` takes, sorted). */
export function expandInputs(spec: string | string[], accept: (name: string) => boolean, what = ".csv or .csv.gz"): string[] {
  const parts = (Array.isArray(spec) ? spec : spec.split(",")).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new DataError(`no ${what} files given`);
  const files: string[] = [];
  for (const p of parts) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DataError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const inside = readdirSync(p).filter((n) => /\.csv(\.gz)?$/.test(n) && accept(n)).sort().map((n) => path.join(p, n));
      if (inside.length === 0) throw new DataError(`${p}: folder holds no ${what} files`);
      files.push(...inside);
    } else files.push(p);
  }
  return files;
}

export function readText(file: string): string {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!file.endsWith(".gz")) return raw.toString("utf8");
  try {
    return gunzipSync(raw).toString("utf8");
  } catch (e) {
    throw new DataError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** Fields of one line: a plain split, or quote-aware where the line has a quote ("a,b" and "" escapes). */
function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

export interface Table {
  file: string;
  header: string[];
  /** Data lines (blank lines dropped) and each one's 1-based line number in the file. */
  lines: string[];
  lineNo: number[];
}

/**
 * `headerless`: given the first line's cells, the column names of a format whose files have no header
 * line (the first line is then a data row), or undefined when the first line is a header.
 */
export function readTable(file: string, headerless?: (first: string[]) => string[] | undefined): Table {
  const text = readText(file);
  if (text.trim() === "") throw new DataError(`${file}: empty file`);
  const all = text.split(/\r?\n/);
  const first = splitLine(all[0]!).map((h) => h.trim());
  const implied = headerless?.(first);
  if (implied) all.unshift(implied.join(","));
  const header = implied ?? first;
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new DataError(`${file}: row 1: column '${h}' appears twice in the header`);
    seen.add(h);
  }
  const lines: string[] = [];
  const lineNo: number[] = [];
  for (let i = 1; i < all.length; i++) {
    if (all[i] === "") continue; // blank line, typically the trailing newline
    lines.push(all[i]!);
    lineNo.push(implied ? i : i + 1); // with an implied header, the file's first line is data
  }
  return { file, header, lines, lineNo };
}

/** The header of a file, without reading its rows into a table. */
export function headerOf(file: string): string[] {
  const text = readText(file);
  const end = text.search(/\r?\n/);
  return splitLine(end < 0 ? text : text.slice(0, end)).map((s) => s.trim());
}

/** The first of `names` the table has; a one-line error listing the alternatives when required and absent. */
export function column(t: Table, names: readonly string[], required: true): number;
export function column(t: Table, names: readonly string[], required?: boolean): number;
export function column(t: Table, names: readonly string[], required = true): number {
  for (const n of names) {
    const i = t.header.indexOf(n);
    if (i >= 0) return i;
  }
  if (required) {
    const alt = names.length > 1 ? ` (or ${names.slice(1).map((n) => `'${n}'`).join(", ")})` : "";
    throw new DataError(`${t.file}: missing column '${names[0]}'${alt} (columns: ${t.header.join(", ")})`);
  }
  return -1;
}

const INT_RE = /^\s*([+-]?\d+)(?:\.0*)?\s*$/;
const SMALL_INT_RE = /^-?\d{1,15}$/;
const NUMBER_RE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const DATE_TIME_RE = /^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/;

/** One data row at a time, each value parsed strictly; every failure names file, row and field. */
export class RowReader {
  cells: string[] = [];
  /** 1-based line number of the current row. */
  row = 0;
  constructor(readonly t: Table) {}
  load(i: number): void {
    this.row = this.t.lineNo[i]!;
    this.cells = splitLine(this.t.lines[i]!);
    if (this.cells.length !== this.t.header.length) {
      throw new DataError(`${this.t.file}: row ${this.row}: has ${this.cells.length} fields, the header has ${this.t.header.length}`);
    }
  }
  fail(c: number | string, why: string): never {
    const field = typeof c === "number" ? this.t.header[c] : c;
    throw new DataError(`${this.t.file}: row ${this.row}: field '${field}': ${why}`);
  }
  text(c: number): string {
    return this.cells[c]!.trim();
  }
  /** An exact integer, written plainly or as a float with a zero fraction ("199045.0"). */
  bigint(c: number): bigint {
    const s = this.cells[c]!;
    const m = INT_RE.exec(s);
    if (!m) this.fail(c, `cannot parse ${JSON.stringify(s.trim())} as an integer`);
    return BigInt(m[1]!);
  }
  /** A safe integer (same spellings as `bigint`). */
  int(c: number): number {
    const s = this.cells[c]!;
    if (SMALL_INT_RE.test(s)) return Number(s);
    const v = this.bigint(c);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(c, `${v} is out of range`);
    return Number(v);
  }
  number(c: number): number {
    const s = this.cells[c]!;
    const v = NUMBER_RE.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(v)) this.fail(c, `cannot parse ${JSON.stringify(s.trim())} as a number`);
    return v;
  }
  /** Unix seconds (9-11 digits) or milliseconds (12-14 digits), or an ISO date/time (UTC unless it says otherwise; a trailing " UTC" is UTC). */
  time(c: number): number {
    // BigQuery and Dune write TIMESTAMP columns as "2023-11-10 00:00:11 UTC" (or ".000 UTC"): the same instant.
    const s = this.text(c).replace(/ UTC$/, "Z");
    let seconds = NaN;
    const unix = /^(\d+)(\.\d+)?$/.exec(s);
    if (unix) {
      const digits = unix[1]!.length;
      if (digits >= 9 && digits <= 11) seconds = Number(s);
      else if (digits >= 12 && digits <= 14) seconds = Number(s) / 1000;
    } else if (DATE_TIME_RE.test(s)) {
      const iso = s.replace(" ", "T");
      const withTime = /T/.test(iso) ? iso : `${iso}T00:00`;
      seconds = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(withTime) ? withTime : `${withTime}Z`) / 1000;
    }
    if (!Number.isFinite(seconds)) this.fail(c, `cannot parse ${JSON.stringify(s)} as a UTC timestamp`);
    return seconds;
  }
}
