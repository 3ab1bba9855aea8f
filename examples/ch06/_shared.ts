// What the chapter-6 experiments share: MNIST and a table printer. The
// training loop and the accuracy are the library's (Trainer, accuracy).
// Not part of the published package.

import { loadMnist } from "../../data/mod.ts";

export const mnist = await loadMnist();

/** Prints rows of numbers under a header, fixed-width. */
export function table(header: string[], rows: (string | number)[][]): void {
  const cell = (v: string | number) =>
    (typeof v === "number" ? v.toFixed(4) : v).padStart(12);
  console.log(header.map(cell).join(""));
  for (const row of rows) console.log(row.map(cell).join(""));
}
