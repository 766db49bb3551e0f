// Which of the two row formats a file is, from its header.
import { DataError, headerOf } from "./table.ts";

export type DataFormat = "minute" | "swaps";

export function detectFormat(file: string): DataFormat {
  const header = headerOf(file);
  if (header.includes("closeTick")) return "minute";
  if (header.includes("current_tick") || header.includes("tick")) return "swaps";
  throw new DataError(`${file}: neither a minute-bar file (no 'closeTick' column) nor a per-swap file (no 'current_tick' column); columns: ${header.join(", ")}`);
}
