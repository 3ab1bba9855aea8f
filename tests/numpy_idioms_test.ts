// The NumPy idioms of the book's chapter-5 code, each against the loop it
// stands for: np.random.randn, x[a:b], x[batch_mask], np.random.choice,
// np.argmax(axis=1); and each rejecting what NumPy would reject.
import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { argmax, Matrix, Rng } from "../mod.ts";

Deno.test("Matrix.randn() is std · rng.normal() row by row, as std * np.random.randn(rows, cols)", () => {
  const m = Matrix.randn(3, 4, new Rng(5), 0.01);
  const rng = new Rng(5);
  assertEquals(m.shape, "3×4");
  for (let i = 0; i < 12; i++) {
    assertStrictEquals(m.data[i], 0.01 * rng.normal());
  }
  // std defaults to 1
  const one = Matrix.randn(2, 2, new Rng(5)), r = new Rng(5);
  for (let i = 0; i < 4; i++) assertStrictEquals(one.data[i], r.normal());
});

Deno.test("Matrix.randn() rejects a non-finite std and a bad shape", () => {
  assertThrows(
    () => Matrix.randn(2, 2, new Rng(0), NaN),
    RangeError,
    "Matrix.randn(): expected std to be a finite number but found NaN",
  );
  assertThrows(() => Matrix.randn(-1, 2, new Rng(0)), RangeError, "rows");
});

Deno.test("Matrix.sliceRows() copies x[start:end]", () => {
  const x = Matrix.fromRows([[1, 2], [3, 4], [5, 6]]);
  const head = x.sliceRows(0, 2);
  assertEquals(head.toRows(), [[1, 2], [3, 4]]);
  assertEquals(x.sliceRows(2, 3).toRows(), [[5, 6]]);
  assertEquals(x.sliceRows(1, 1).shape, "0×2");
  head.data[0] = 9; // a copy, not a view
  assertEquals(x.get(0, 0), 1);
});

Deno.test("Matrix.sliceRows() rejects a range outside the rows", () => {
  const x = Matrix.zeros(3, 2);
  assertThrows(
    () => x.sliceRows(0, 4),
    RangeError,
    "Matrix.sliceRows(): expected 0 ≤ start ≤ end ≤ 3 but found start 0, end 4",
  );
  assertThrows(() => x.sliceRows(2, 1), RangeError, "start 2, end 1");
  assertThrows(() => x.sliceRows(0.5, 1), RangeError, "start 0.5");
});

Deno.test("Matrix.gatherRows() takes rows in the order given, repeats included, as x[batch_mask]", () => {
  const x = Matrix.fromRows([[1, 2], [3, 4], [5, 6]]);
  assertEquals(x.gatherRows([2, 0, 2]).toRows(), [[5, 6], [1, 2], [5, 6]]);
  assertEquals(x.gatherRows(new Int32Array([1])).toRows(), [[3, 4]]);
  assertEquals(x.gatherRows([]).shape, "0×2");
});

Deno.test("Matrix.gatherRows() rejects an index outside the rows and names it", () => {
  const x = Matrix.zeros(3, 2);
  assertThrows(
    () => x.gatherRows([0, 3]),
    RangeError,
    "Matrix.gatherRows(): expected indices in [0, 3) but found indices[1] = 3",
  );
  assertThrows(() => x.gatherRows([-1]), RangeError, "indices[0] = -1");
  assertThrows(() => x.gatherRows([1.5]), RangeError, "indices[0] = 1.5");
});

Deno.test("Rng.choice() draws as size calls of Rng.int(), and reuses out", () => {
  const a = new Rng(42).choice(60000, 100), b = new Rng(42);
  assertEquals(a.length, 100);
  for (let k = 0; k < 100; k++) assertStrictEquals(a[k], b.int(60000));
  const out = new Int32Array(5);
  assertStrictEquals(new Rng(1).choice(10, 5, out), out);
  assert(out.every((i) => i >= 0 && i < 10));
  assertEquals(new Rng(1).choice(10, 0).length, 0);
});

Deno.test("Rng.choice() rejects a bad n or size", () => {
  assertThrows(
    () => new Rng(0).choice(0, 3),
    RangeError,
    "Rng.choice(): expected n to be an integer in [1, 2^31] but found 0",
  );
  assertThrows(() => new Rng(0).choice(2 ** 31 + 1, 1), RangeError, "2^31");
  assertThrows(
    () => new Rng(0).choice(10, -1),
    RangeError,
    "Rng.choice(): expected size to be a non-negative integer but found -1",
  );
});

Deno.test("argmax() is np.argmax(y, axis=1): the first largest column of each row", () => {
  const y = Matrix.fromRows([
    [0.1, 0.8, 0.1],
    [0.3, 0.1, 0.6],
    [0.5, 0.5, 0.0], // a tie: the lowest index
    [-3, -1, -2],
  ]);
  assertEquals(Array.from(argmax(y)), [1, 2, 0, 1]);
  const out = new Int32Array(4);
  assertStrictEquals(argmax(y, out), out);
  assertEquals(argmax(Matrix.zeros(0, 3)).length, 0);
});

Deno.test("argmax() rejects a matrix with no columns and a non-Matrix", () => {
  assertThrows(
    () => argmax(Matrix.zeros(2, 0)),
    RangeError,
    "argmax(): expected y with at least one column but found 2×0",
  );
  assertThrows(
    () => argmax([[1, 2]] as unknown as Matrix),
    TypeError,
    "argmax(): expected y to be a Matrix but found Array",
  );
});
