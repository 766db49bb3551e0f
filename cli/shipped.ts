// Where this package's own files are. Files it ships (the default model, the real data, compiled
// contracts) are found next to its code wherever it is installed; files a user names on the command
// line are relative to the caller's working directory, as with any installed tool.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * A shipped file by its path inside the package: relative to the working directory when the caller
 * stands in the package (so messages and reports read `model/default-model.json` in a checkout),
 * absolute otherwise.
 */
export function shipped(relative: string): string {
  const absolute = path.join(PACKAGE_ROOT, relative);
  const fromCwd = path.relative(process.cwd(), absolute);
  return fromCwd && !fromCwd.startsWith("..") && !path.isAbsolute(fromCwd) ? fromCwd : absolute;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}
