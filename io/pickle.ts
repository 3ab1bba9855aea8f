/**
 * The book's trained parameters, as it ships them: Python pickles of a dict
 * of NumPy float arrays (`deep_convnet_params.pkl`, `params.pkl`), read
 * from bytes (no file access, so it runs in a browser).
 *
 * A pickle is a program for a stack machine, and Python's reader runs what
 * it names. This one is not that machine: it knows only the instructions
 * (opcodes of protocols 2–5) with which `pickle.dump` writes a dict of
 * arrays, and builds only a dict, strings, numbers, bytes, tuples and NumPy
 * arrays. The only names it accepts are NumPy's array and dtype builders
 * (and `_codecs.encode` and `bytes`, protocol 2's way of writing bytes),
 * which it interprets itself; anything else is refused in one line before
 * it is used. Nothing in the input is ever run.
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";

/** An array as the pickle holds it: float64 values, C (row-major) order. */
export interface PickledArray {
  /** NumPy's shape, outermost first ([] for a 0-d array). */
  shape: number[];
  /** The values, row-major (a Fortran-order array is reordered). */
  data: Float64Array;
}

/** The error every input other than a pickled dict of float arrays gets. */
export class PickleError extends Error {
  /** Creates the error; the message says what was expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "PickleError";
  }
}

/** Options of {@linkcode decodePickle}. */
export interface DecodePickleOptions {
  /** What the bytes are (a file's name), for the errors (default "the pickle"). */
  name?: string;
}

// The values the reader builds. A tuple is a frozen JS array; a global is a
// name NumPy's unpickling calls (checked when it is pushed); a dtype and an
// array are built in two steps, as NumPy does: made by REDUCE, then filled
// by BUILD.
type Value =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly Value[]
  | Global
  | Dtype
  | ArrayInProgress
  | Map<string, PickledArray>;

/** The callables the reader interprets, by their pickled names. */
const GLOBALS = {
  "numpy.core.multiarray._reconstruct": "reconstruct",
  "numpy._core.multiarray._reconstruct": "reconstruct", // NumPy ≥ 2
  "numpy.ndarray": "ndarray",
  "numpy.dtype": "dtype",
  "numpy.core.numeric._frombuffer": "frombuffer", // protocol 5
  "numpy._core.numeric._frombuffer": "frombuffer",
  "_codecs.encode": "encode", // protocol 2's bytes
  "__builtin__.bytes": "bytes", // protocol 2's empty bytes, bytes()
} as const;

class Global {
  constructor(readonly kind: (typeof GLOBALS)[keyof typeof GLOBALS]) {}
}

/** `numpy.dtype("f8")` until BUILD gives it its byte order. */
class Dtype {
  order = "<";
  constructor(readonly code: "f8" | "f4") {}
}

/** `_reconstruct(ndarray, (0,), b"b")`: an empty array until BUILD fills it. */
class ArrayInProgress {
  array?: PickledArray;
}

/** A MARK on the stack. */
const MARK = Symbol("mark");

/**
 * Reads a pickled dict of NumPy float arrays (float64 or float32, either
 * byte order, C or Fortran order): what the book's `pickle.dump(params, f)`
 * writes, protocols 2 to 5. Returns the arrays by key, as float64 values
 * in row-major order with their NumPy shapes; the object has no prototype,
 * so every key, `__proto__` included, is an own key.
 *
 * @throws {PickleError} for anything else, in one line naming the input and
 * what was found: not a pickle of protocol 2–5, truncated, an opcode or a
 * global name that a pickled dict of arrays does not use (`os.system` …), a
 * value that is not a float array, or an array whose data disagrees with
 * its shape.
 *
 * @example
 * ```ts
 * import { decodePickle } from "@dlfs/nn/io";
 *
 * // pickle.dumps({"b": numpy.array([0.5, -1.0])}, protocol=3)
 * const bytes = Uint8Array.from(atob(
 *   "gAN9cQBYAQAAAGJxAWNudW1weS5fY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAmNudW1weQpuZGFycmF5CnEDSwCFcQRDAWJxBYdxBlJxByhLAUsChXEIY251bXB5CmR0eXBlCnEJWAIAAABmOHEKiYiHcQtScQwoSwNYAQAAADxxDU5OTkr/////Sv////9LAHRxDmKJQxAAAAAAAADgPwAAAAAAAPC/cQ90cRBicy4=",
 * ), (c) => c.charCodeAt(0));
 * const { b } = decodePickle(bytes);
 * console.log(b.shape, b.data); // [ 2 ] Float64Array(2) [ 0.5, -1 ]
 * ```
 */
export function decodePickle(
  bytes: Uint8Array,
  options: DecodePickleOptions = {},
): Record<string, PickledArray> {
  checkOptions("decodePickle()", options, ["name"]);
  const { name = "the pickle" } = options;
  let at = 0; // the next byte to read
  let opAt = 0; // where the current opcode began
  const fail = (what: string): never => {
    throw new PickleError(`decodePickle(): ${what} (${name}, byte ${opAt})`);
  };
  const take = (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || at + n > bytes.length) {
      fail(
        `expected ${n} more bytes but found the end of the input after ${
          bytes.length - at
        }: truncated`,
      );
    }
    at += n;
    return bytes.subarray(at - n, at);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const uint = (n: 1 | 2 | 4 | 8): number => {
    const b = take(n), o = b.byteOffset - bytes.byteOffset;
    return n === 1
      ? b[0]
      : n === 2
      ? view.getUint16(o, true)
      : n === 4
      ? view.getUint32(o, true)
      : Number(view.getBigUint64(o, true)); // beyond 2^53: caught by take()
  };
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const text = (n: number): string => {
    const b = take(n);
    try {
      return utf8.decode(b);
    } catch {
      return fail("expected UTF-8 text but found invalid bytes");
    }
  };

  const stack: (Value | typeof MARK)[] = [];
  const memo = new Map<number, Value>();
  const pop = (): Value => {
    const v = stack.pop();
    if (v === undefined || v === MARK) {
      return fail("expected a value on the stack but found none");
    }
    return v;
  };
  const top = (): Value => {
    const v = pop();
    stack.push(v);
    return v;
  };
  const popMark = (): Value[] => {
    const m = stack.lastIndexOf(MARK);
    if (m < 0) fail("expected a MARK on the stack but found none");
    return stack.splice(m).slice(1) as Value[];
  };
  const global = (module: string, field: string) => {
    const kind = GLOBALS[`${module}.${field}` as keyof typeof GLOBALS];
    if (kind === undefined) {
      fail(
        `expected only NumPy's array globals but found ${
          JSON.stringify(`${module}.${field}`)
        }`,
      );
    }
    stack.push(new Global(kind));
  };
  const setItems = (items: Value[]) => {
    const dict = pop();
    if (!(dict instanceof Map)) {
      return fail(`expected a dict to set items in but found ${kind(dict)}`);
    }
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i], value = items[i + 1];
      if (typeof key !== "string") {
        fail(`expected text keys but found ${kind(key)}`);
      }
      const array = value instanceof ArrayInProgress ? value.array : undefined;
      if (array === undefined) {
        fail(
          `expected a float array for key "${key}" but found ${kind(value)}`,
        );
      }
      if (dict.has(key as string)) fail(`found the key "${key}" twice`);
      dict.set(key as string, array!);
    }
    stack.push(dict);
  };

  if (bytes[0] !== 0x80) {
    fail(
      `expected a pickle (protocol 2–5, starting with byte 0x80) but found ${
        bytes.length === 0 ? "no bytes" : `byte 0x${hex(bytes[0])}`
      }`,
    );
  }
  for (;;) {
    opAt = at;
    const op = uint(1);
    switch (op) {
      case 0x80: { // PROTO
        const protocol = uint(1);
        if (protocol < 2 || protocol > 5) {
          fail(`expected protocol 2–5 but found protocol ${protocol}`);
        }
        break;
      }
      case 0x95: // FRAME: a length, advisory only
        uint(8);
        break;
      case 0x2e: { // STOP
        const result = pop();
        if (!(result instanceof Map)) {
          return fail(`expected a dict of arrays but found ${kind(result)}`);
        }
        if (stack.length > 0) {
          fail(
            `expected an empty stack at STOP but found ${stack.length} more`,
          );
        }
        const out: Record<string, PickledArray> = Object.create(null);
        for (const [key, array] of result) out[key] = array;
        return out;
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x73: // SETITEM
        setItems([pop(), pop()].reverse());
        break;
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2 !== 0) {
          fail(`expected key-value pairs but found ${items.length} values`);
        }
        setItems(items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: { // TUPLE3
        const items = Array.from({ length: op - 0x84 }, pop).reverse();
        stack.push(Object.freeze(items));
        break;
      }
      case 0x4a: // BININT: signed 32-bit
        uint(4);
        stack.push(view.getInt32(at - 4, true));
        break;
      case 0x4b: // BININT1
        stack.push(uint(1));
        break;
      case 0x4d: // BININT2
        stack.push(uint(2));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push(op === 0x88);
        break;
      case 0x58: // BINUNICODE
        stack.push(text(uint(4)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(uint(1)));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(uint(8)));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(uint(1)));
        break;
      case 0x42: // BINBYTES
        stack.push(take(uint(4)));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(uint(8)));
        break;
      case 0x63: { // GLOBAL: "module\nname\n"
        const line = () => {
          const end = bytes.indexOf(0x0a, at);
          if (end < 0) {
            fail(
              "expected a newline after a global's name but found the end of the input: truncated",
            );
          }
          if (end - at > 256) {
            fail(
              "expected a global's name of at most 256 bytes but found a longer one",
            );
          }
          return text(end - at + 1).slice(0, -1);
        };
        const module = line();
        global(module, line());
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const field = pop(), module = pop();
        if (typeof module !== "string" || typeof field !== "string") {
          fail("expected a global's module and name as text but found others");
        }
        global(module as string, field as string);
        break;
      }
      case 0x52: { // REDUCE: callable(*args)
        const args = pop(), callable = pop();
        if (!(callable instanceof Global) || !Array.isArray(args)) {
          return fail(
            `expected a global and its arguments but found ${kind(callable)}`,
          );
        }
        stack.push(call(callable, args as readonly Value[], fail));
        break;
      }
      case 0x62: { // BUILD: obj.__setstate__(state)
        const state = pop();
        build(top(), state, fail);
        break;
      }
      case 0x71: // BINPUT
        memo.set(uint(1), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(uint(4), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const index = uint(op === 0x68 ? 1 : 4);
        const value = memo.get(index);
        if (value === undefined) {
          fail(`expected memo entry ${index} but found none`);
        }
        stack.push(value!);
        break;
      }
      default:
        fail(
          `expected an opcode of a pickled dict of arrays but found 0x${
            hex(op)
          }${op >= 0x20 && op < 0x7f ? ` ("${String.fromCharCode(op)}")` : ""}`,
        );
    }
  }
}

/** Calls one of the accepted globals, as NumPy's unpickling would. */
function call(
  f: Global,
  args: readonly Value[],
  fail: (what: string) => never,
): Value {
  const [a, b, c, d] = args;
  switch (f.kind) {
    case "reconstruct": // _reconstruct(ndarray, (0,), b"b")
      if (!(a instanceof Global && a.kind === "ndarray")) {
        return fail(`expected _reconstruct(ndarray, …) but found ${kind(a)}`);
      }
      return new ArrayInProgress();
    case "dtype": // dtype("f8", align, copy)
      if (b === undefined || c === undefined || (a !== "f8" && a !== "f4")) {
        return fail(
          `expected dtype("f8") or dtype("f4") but found dtype(${
            typeof a === "string" ? JSON.stringify(a) : kind(a)
          })`,
        );
      }
      return new Dtype(a);
    case "encode": // _codecs.encode(text, "latin1"): protocol 2's bytes
      if (typeof a !== "string" || b !== "latin1") {
        return fail(`expected _codecs.encode(text, "latin1") but found others`);
      }
      return Uint8Array.from(a, (ch) => {
        const code = ch.charCodeAt(0);
        return code < 256 ? code : fail("expected latin-1 text");
      });
    case "bytes": // bytes(): protocol 2's empty bytes
      if (args.length !== 0) {
        return fail(`expected bytes() but found ${args.length} arguments`);
      }
      return new Uint8Array();
    case "frombuffer": { // _frombuffer(buffer, dtype, shape, order): protocol 5
      const array = new ArrayInProgress();
      array.array = toArray(d === "F", c, a, b, fail);
      return array;
    }
    case "ndarray":
      return fail("expected ndarray as _reconstruct's argument, not called");
  }
}

/** BUILD: a dtype's byte order, or an array's shape, dtype and data. */
function build(obj: Value, state: Value, fail: (what: string) => never): void {
  if (!Array.isArray(state)) {
    fail(`expected a tuple as BUILD's state but found ${kind(state)}`);
  }
  const s = state as readonly Value[];
  if (obj instanceof Dtype) { // (version, byteorder, …)
    if (s[1] !== "<" && s[1] !== ">") {
      fail(`expected byte order "<" or ">" but found ${kind(s[1])}`);
    }
    obj.order = s[1] as string;
  } else if (obj instanceof ArrayInProgress && obj.array === undefined) {
    // (version, shape, dtype, isFortran, data)
    const [, shape, dtype, fortran, data] = s;
    if (typeof fortran !== "boolean" && fortran !== 0 && fortran !== 1) {
      fail(`expected the array's order flag but found ${kind(fortran)}`);
    }
    obj.array = toArray(Boolean(fortran), shape, data, dtype, fail);
  } else {fail(
      `expected a dtype or a new array to BUILD but found ${kind(obj)}`,
    );}
}

/** The array of `shape` whose values are `data`, as `dtype` stores them. */
function toArray(
  fortran: boolean,
  shape: Value,
  data: Value,
  dtype: Value,
  fail: (what: string) => never,
): PickledArray {
  if (
    !Array.isArray(shape) ||
    !shape.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
  ) {
    return fail(`expected a shape of sizes but found ${kind(shape)}`);
  }
  if (!(dtype instanceof Dtype)) {
    return fail(`expected a float dtype but found ${kind(dtype)}`);
  }
  if (!(data instanceof Uint8Array)) {
    return fail(`expected the array's bytes but found ${kind(data)}`);
  }
  const dims = shape as number[];
  const size = dtype.code === "f8" ? 8 : 4;
  const count = dims.reduce((p, n) => p * n, 1);
  if (count * size !== data.length) {
    return fail(
      `expected ${count * size} bytes for shape [${
        dims.join(", ")
      }] of ${dtype.code} but found ${data.length}`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const little = dtype.order === "<";
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    values[i] = size === 8
      ? view.getFloat64(8 * i, little)
      : view.getFloat32(4 * i, little);
  }
  return { shape: dims, data: fortran ? toRowMajor(values, dims) : values };
}

/** Column-major values of `shape` reordered row-major. */
function toRowMajor(values: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(values.length);
  const index = new Array<number>(shape.length).fill(0); // the row-major index
  for (let i = 0; i < out.length; i++) {
    let f = 0; // its column-major offset
    for (let k = shape.length - 1; k >= 0; k--) f = f * shape[k] + index[k];
    out[i] = values[f];
    for (let k = shape.length - 1; k >= 0 && ++index[k] === shape[k]; k--) {
      index[k] = 0;
    }
  }
  return out;
}

/** What a value is, for an error: "a tuple", "the text \"x\"", … */
function kind(v: Value | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "None";
  if (typeof v === "string") {
    return `the text ${JSON.stringify(v.slice(0, 40))}`;
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v instanceof Global) return `the global ${v.kind}`;
  if (v instanceof Dtype) return `a dtype ${v.code}`;
  if (v instanceof ArrayInProgress) return "an array";
  return "a dict";
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
