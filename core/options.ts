/**
 * What every options object of dlfs is checked with, and how its errors show
 * a value: a misspelt key (`{ learning_rate: 0.5 }`) is refused in one line
 * naming the nearest known key, as `deno task train` does for a mistyped
 * flag, instead of being silently ignored. Not exported from mod.ts.
 *
 * @module
 */

/**
 * The name among `names` nearest to `name` (Levenshtein distance at most a
 * third of its length, and at most 3), or undefined.
 */
export function nearest(
  name: string,
  names: readonly string[],
): string | undefined {
  let best: string | undefined, bestDistance = Infinity;
  for (const candidate of names) {
    const d = distance(name, candidate);
    if (d < bestDistance) (best = candidate), (bestDistance = d);
  }
  return bestDistance <= Math.min(3, Math.ceil(name.length / 3))
    ? best
    : undefined;
}

/** The Levenshtein distance of two strings. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j] + 1,
        next[j - 1] + 1,
        row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length];
}

/**
 * Throws a TypeError naming `where` unless every own key of `options` is
 * one of `known` (undefined and null options pass: the defaults apply). The
 * message names the nearest known key where one is near, e.g.
 * `SGD: expected an option among lr but found "learning_rate" (did you mean lr?)`.
 */
export function checkOptions(
  where: string,
  options: unknown,
  known: readonly string[],
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") {
    throw new TypeError(
      `${where}: expected an options object but found ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    // The book's Python names are snake_case: one_hot_label → oneHotLabel.
    const camel = key.replace(/_([a-z\d])/g, (_, c: string) => c.toUpperCase());
    const near = nearest(key, known) ?? nearest(camel, known);
    throw new TypeError(
      `${where}: expected an option among ${known.join(", ")} but found ${
        JSON.stringify(key)
      }${near ? ` (did you mean ${near}?)` : ""}`,
    );
  }
}

/**
 * A value as an error message shows it: numbers and booleans as they print,
 * strings quoted, a function by its name only (never its source), other
 * objects by their class, e.g. `"7"`, `the function rows()`, `an ImageSet`.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(
        value.length > 40 ? value.slice(0, 40) + "…" : value,
      );
    case "function":
      return `the function ${value.name || "(anonymous)"}()`;
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array of ${value.length}`;
      const name = value.constructor?.name ?? "Object";
      return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
    }
    default:
      return String(value);
  }
}
