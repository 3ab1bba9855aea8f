/**
 * A very small WebAssembly assembler: just enough of the binary format to
 * build the kernel module of `kernels.ts` at run time, with no toolchain and
 * no binary blob in the repository. It covers the opcodes those kernels use
 * and nothing else.
 *
 * A module here is: one imported memory (`env.memory`), some functions that
 * take i32 arguments (byte offsets into that memory, sizes) and return
 * nothing, each exported under its name. The binary layout follows the core
 * specification ("Binary Format", sections 1, 2, 3, 7 and 10) and the SIMD
 * proposal's encoding (prefix 0xFD, LEB128 sub-opcode).
 *
 * @module
 */

/** The value types the kernels use, with their binary codes. */
export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;
/** A value type: {@linkcode I32}, {@linkcode F32}, {@linkcode F64} or {@linkcode V128}. */
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128, the format of every count and index. */
function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

/** Signed LEB128, the format of `i32.const` immediates. */
function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/**
 * Appends `from` to `out` element by element: a module's code runs to
 * hundreds of kilobytes, more than `out.push(...from)` may pass as
 * arguments (a browser Worker's stack overflows).
 */
function append(out: number[], from: ArrayLike<number>): void {
  for (let i = 0; i < from.length; i++) out.push(from[i]);
}

/** A name as the format stores it: length, then UTF-8 bytes. */
function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  append(out, bytes);
}

/**
 * One function's body, written instruction by instruction. Locals are
 * numbered from 0, the parameters first; `local()` declares another. The
 * methods mirror the instructions' names (`i32Add` is `i32.add`) and return
 * `this`, so that a line of code reads like a line of assembly.
 *
 * @example
 * ```ts
 * import { Func, I32, wasmModule } from "./wasm.ts";
 *
 * const add = new Func("add", [I32, I32], [I32]);
 * add.get(0).get(1).i32Add();
 * const { exports } = new WebAssembly.Instance(
 *   new WebAssembly.Module(wasmModule([add])),
 *   { env: { memory: new WebAssembly.Memory({ initial: 1 }) } },
 * );
 * console.log((exports.add as (a: number, b: number) => number)(2, 3)); // 5
 * ```
 */
export class Func {
  /** The export name. */
  readonly name: string;
  /** Parameter types (locals 0 … params.length−1). */
  readonly params: readonly ValType[];
  /** Result types (empty for the kernels). */
  readonly results: readonly ValType[];
  /** The instructions so far, encoded. */
  readonly code: number[] = [];
  #locals: ValType[] = [];
  #calls: [at: number, callee: Func][] = []; // where `call` left an index to fill

  /** An empty function `name(params) → results`. */
  constructor(name: string, params: ValType[], results: ValType[] = []) {
    this.name = name;
    this.params = params;
    this.results = results;
  }

  /** Declares a local of type `type` and returns its index. */
  local(type: ValType): number {
    this.#locals.push(type);
    return this.params.length + this.#locals.length - 1;
  }

  /**
   * The body: local declarations, instructions, `end`; each `call`'s
   * function index is `indexOf(callee)`.
   */
  body(indexOf: (callee: Func) => number = () => 0): number[] {
    const out: number[] = [];
    uleb(this.#locals.length, out);
    for (const type of this.#locals) out.push(1, type); // one local per entry
    const code = [...this.code];
    for (const [at, callee] of this.#calls) {
      // A five-byte LEB128 (padded with continuation bits), as left by `call`.
      let index = indexOf(callee);
      for (let i = 0; i < 5; i++, index >>>= 7) {
        code[at + i] = (index & 0x7f) | (i < 4 ? 0x80 : 0);
      }
    }
    append(out, code);
    out.push(0x0b);
    return out;
  }

  #op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  #simd(op: number): this {
    this.code.push(0xfd);
    uleb(op, this.code);
    return this;
  }

  /** A memory access's immediates: log2 of the alignment, byte offset. */
  #memarg(align: number, offset: number): this {
    uleb(align, this.code);
    uleb(offset, this.code);
    return this;
  }

  // Control. Blocks and loops take no values and leave none (block type 0x40).
  /** `block … end`: `br_if 0` inside jumps past the end. */
  block(inner: () => void): this {
    this.#op(0x02, 0x40);
    inner();
    return this.#op(0x0b);
  }
  /** `loop … end`: `br_if 0` inside jumps back to the start. */
  loop(inner: () => void): this {
    this.#op(0x03, 0x40);
    inner();
    return this.#op(0x0b);
  }
  /**
   * `if … else … end` on the i32 on the stack (non-zero: `then`); a `br`
   * depth counts it as a block.
   */
  ifThen(then: () => void, otherwise?: () => void): this {
    this.#op(0x04, 0x40);
    then();
    if (otherwise) {
      this.#op(0x05);
      otherwise();
    }
    return this.#op(0x0b);
  }
  /** `br depth` */
  br(depth: number): this {
    this.#op(0x0c);
    uleb(depth, this.code);
    return this;
  }
  /** `br_if depth` */
  brIf(depth: number): this {
    this.#op(0x0d);
    uleb(depth, this.code);
    return this;
  }

  /**
   * `call`: `callee` (which must be in the same module) with its
   * parameters from the stack.
   */
  call(callee: Func): this {
    this.#op(0x10);
    this.#calls.push([this.code.length, callee]);
    return this.#op(0, 0, 0, 0, 0); // the index, filled in by `body`
  }

  /** `select`: the first of two values if the i32 on top is non-zero. */
  select(): this {
    return this.#op(0x1b);
  }

  // Locals.
  /** `local.get` */
  get(local: number): this {
    this.#op(0x20);
    uleb(local, this.code);
    return this;
  }
  /** `local.set` */
  set(local: number): this {
    this.#op(0x21);
    uleb(local, this.code);
    return this;
  }
  /** `local.tee` */
  tee(local: number): this {
    this.#op(0x22);
    uleb(local, this.code);
    return this;
  }

  // i32 arithmetic.
  /** `i32.const` */
  i32(value: number): this {
    this.#op(0x41);
    sleb(value | 0, this.code);
    return this;
  }
  /** `i32.eqz` */
  i32Eqz(): this {
    return this.#op(0x45);
  }
  /** `i32.ne` */
  i32Ne(): this {
    return this.#op(0x47);
  }
  /** `i32.lt_s` */
  i32LtS(): this {
    return this.#op(0x48);
  }
  /** `i32.eq` */
  i32Eq(): this {
    return this.#op(0x46);
  }
  /** `i32.lt_u` */
  i32LtU(): this {
    return this.#op(0x49);
  }
  /** `i32.ge_s` */
  i32GeS(): this {
    return this.#op(0x4e);
  }
  /** `i32.gt_s` */
  i32GtS(): this {
    return this.#op(0x4a);
  }
  /** `i32.add` */
  i32Add(): this {
    return this.#op(0x6a);
  }
  /** `i32.sub` */
  i32Sub(): this {
    return this.#op(0x6b);
  }
  /** `i32.div_u` */
  i32DivU(): this {
    return this.#op(0x6e);
  }
  /** `i32.rem_u` */
  i32RemU(): this {
    return this.#op(0x70);
  }
  /** `i32.and` */
  i32And(): this {
    return this.#op(0x71);
  }
  /** `i32.shr_u` */
  i32ShrU(): this {
    return this.#op(0x76);
  }
  /** `i32.mul` */
  i32Mul(): this {
    return this.#op(0x6c);
  }
  /** `i32.load` (natural alignment) */
  i32Load(offset = 0): this {
    return this.#op(0x28).#memarg(2, offset);
  }

  /** `i32.load8_u` */
  i32Load8U(offset = 0): this {
    return this.#op(0x2d).#memarg(0, offset);
  }
  /** `i32.load16_u` */
  i32Load16U(offset = 0): this {
    return this.#op(0x2f).#memarg(1, offset);
  }
  /** `i32.store8` */
  i32Store8(offset = 0): this {
    return this.#op(0x3a).#memarg(0, offset);
  }
  /** `i32.store16` */
  i32Store16(offset = 0): this {
    return this.#op(0x3b).#memarg(1, offset);
  }
  /** `i32.shl` */
  i32Shl(): this {
    return this.#op(0x74);
  }
  /** `i32.or` */
  i32Or(): this {
    return this.#op(0x72);
  }
  /** `i64.extend_i32_u` */
  i64ExtendI32U(): this {
    return this.#op(0xad);
  }
  /** `i32.popcnt`: the number of set bits. */
  i32Popcnt(): this {
    return this.#op(0x69);
  }
  /** `i32.ctz`: the number of trailing zero bits. */
  i32Ctz(): this {
    return this.#op(0x68);
  }
  /**
   * `i32.atomic.rmw.add`: adds the i32 on the stack to the one at the
   * address below it, atomically; leaves the old value.
   */
  i32AtomicRmwAdd(offset = 0): this {
    this.code.push(0xfe);
    uleb(0x1e, this.code);
    return this.#memarg(2, offset);
  }
  /** `i32.store` (natural alignment) */
  i32Store(offset = 0): this {
    return this.#op(0x36).#memarg(2, offset);
  }

  // f32 scalars (for the float32 comparison in bench/).
  /** `f32.const 0` */
  f32Zero(): this {
    return this.#op(0x43, 0, 0, 0, 0);
  }
  /** `f32.const value` (value rounded to f32) */
  f32(value: number): this {
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    return this.#op(0x43, ...bytes);
  }
  /** `f32.load` (natural alignment) */
  f32Load(offset = 0): this {
    return this.#op(0x2a).#memarg(2, offset);
  }
  /** `f32.store` (natural alignment) */
  f32Store(offset = 0): this {
    return this.#op(0x38).#memarg(2, offset);
  }
  /** `f32.add` */
  f32Add(): this {
    return this.#op(0x92);
  }
  /** `f32.mul` */
  f32Mul(): this {
    return this.#op(0x94);
  }
  /** `f32.sub` */
  f32Sub(): this {
    return this.#op(0x93);
  }
  /** `f32.eq` */
  f32Eq(): this {
    return this.#op(0x5b);
  }
  /** `f32.le` */
  f32Le(): this {
    return this.#op(0x5f);
  }
  /** `f32.gt` */
  f32Gt(): this {
    return this.#op(0x5e);
  }
  /** `f32.ne` */
  f32Ne(): this {
    return this.#op(0x5c);
  }
  /** `i32.reinterpret_f32`: the f32's bits. */
  i32ReinterpretF32(): this {
    return this.#op(0xbc);
  }
  /** `f32.reinterpret_i32`: the bits as an f32. */
  f32ReinterpretI32(): this {
    return this.#op(0xbe);
  }
  /** `f32.demote_f64`: an f64 rounded to f32. */
  f32DemoteF64(): this {
    return this.#op(0xb6);
  }
  /** `f64.promote_f32`: an f32 as an f64 (exact). */
  f64PromoteF32(): this {
    return this.#op(0xbb);
  }

  // f64 scalars.
  /** `f64.const value` */
  f64(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.#op(0x44, ...bytes);
  }
  /** `f64.const 0` */
  f64Zero(): this {
    return this.#op(0x44, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  /** `f64.load` (natural alignment) */
  f64Load(offset = 0): this {
    return this.#op(0x2b).#memarg(3, offset);
  }
  /** `f64.store` (natural alignment) */
  f64Store(offset = 0): this {
    return this.#op(0x39).#memarg(3, offset);
  }
  /** `f64.eq`: 1 if the two are equal (neither NaN), else 0. */
  f64Eq(): this {
    return this.#op(0x61);
  }
  /** `f64.gt`: 1 if a > b (neither NaN), else 0. */
  f64Gt(): this {
    return this.#op(0x64);
  }
  /** `f64.le`: 1 if a ≤ b (neither NaN), else 0. */
  f64Le(): this {
    return this.#op(0x65);
  }
  /** `f64.ne`: 1 if the two differ (or either is NaN), else 0. */
  f64Ne(): this {
    return this.#op(0x62);
  }
  /** `f64.convert_i32_u` */
  f64ConvertI32U(): this {
    return this.#op(0xb8);
  }
  /** `i64.reinterpret_f64`: the f64's bits as an i64. */
  i64ReinterpretF64(): this {
    return this.#op(0xbd);
  }
  /** `f64.reinterpret_i64`: the i64's bits as an f64. */
  f64ReinterpretI64(): this {
    return this.#op(0xbf);
  }
  /** `f64.add` */
  f64Add(): this {
    return this.#op(0xa0);
  }
  /** `f64.sub` */
  f64Sub(): this {
    return this.#op(0xa1);
  }
  /** `f64.mul` */
  f64Mul(): this {
    return this.#op(0xa2);
  }

  // SIMD (v128 as two f64 lanes). Loads and stores only promise 8-byte
  // alignment: a Float64Array's element at an odd index is not 16-aligned.
  /** `v128.load` */
  v128Load(offset = 0): this {
    return this.#simd(0x00).#memarg(3, offset);
  }
  /** `v128.load64_splat`: one f64 from memory into both lanes. */
  v128Load64Splat(offset = 0): this {
    return this.#simd(0x0a).#memarg(3, offset);
  }
  /** `v128.load64_zero`: one f64 from memory into lane 0, lane 1 zero. */
  v128Load64Zero(offset = 0): this {
    return this.#simd(0x5d).#memarg(3, offset);
  }
  /** `v128.store64_lane`: lane `lane` of an f64x2 to memory. */
  v128Store64Lane(lane: number, offset = 0): this {
    return this.#simd(0x5b).#memarg(3, offset).#op(lane);
  }
  /** `v128.store32_lane`: lane `lane` of an f32x4 to memory. */
  v128Store32Lane(lane: number, offset = 0): this {
    return this.#simd(0x5a).#memarg(2, offset).#op(lane);
  }
  /**
   * `v128.load32_lane`: the f32 at the address (pushed before the vector)
   * into lane `lane` of the vector.
   */
  v128Load32Lane(lane: number, offset = 0): this {
    return this.#simd(0x56).#memarg(2, offset).#op(lane);
  }
  /** `f64x2.promote_low_f32x4`: lanes 0 and 1 of an f32x4 as an f64x2. */
  f64x2PromoteLowF32x4(): this {
    return this.#simd(0x5f);
  }
  /** `f32x4.demote_f64x2_zero`: an f64x2 rounded into lanes 0, 1; 2, 3 zero. */
  f32x4DemoteF64x2Zero(): this {
    return this.#simd(0x5e);
  }
  /** `v128.load32_zero`: 32 bits from memory into lane 0, the rest zero. */
  v128Load32Zero(offset = 0): this {
    return this.#simd(0x5c).#memarg(2, offset);
  }
  /** `f32x4.le` */
  f32x4Le(): this {
    return this.#simd(0x45);
  }
  /** `i32x4.bitmask`: the lanes' sign bits, lane 0 in bit 0. */
  i32x4Bitmask(): this {
    return this.#simd(0xa4);
  }
  /** `i32x4.neg` */
  i32x4Neg(): this {
    return this.#simd(0xa1);
  }
  /** `i16x8.extend_low_i8x16_u`: the low eight bytes widened. */
  i16x8ExtendLowI8x16U(): this {
    return this.#simd(0x89);
  }
  /** `i32x4.extend_low_i16x8_u`: the low four i16 widened. */
  i32x4ExtendLowI16x8U(): this {
    return this.#simd(0xa9);
  }
  /** `v128.load32_splat`: one f32 from memory into all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.#simd(0x09).#memarg(2, offset);
  }
  /** `v128.store` */
  v128Store(offset = 0): this {
    return this.#simd(0x0b).#memarg(3, offset);
  }
  /** `v128.const 0` */
  v128Zero(): this {
    this.#simd(0x0c);
    return this.#op(...new Array(16).fill(0));
  }
  /** `i8x16.ne`: per byte, all ones where the two differ. */
  i8x16Ne(): this {
    return this.#simd(0x24);
  }
  /** `i8x16.bitmask`: bit i of the i32 is the top bit of byte i. */
  i8x16Bitmask(): this {
    return this.#simd(0x64);
  }
  /** `f64x2.eq`: per lane, all ones where a = b. */
  f64x2Eq(): this {
    return this.#simd(0x47);
  }
  /** `f64x2.le`: per lane, all ones where a ≤ b. */
  f64x2Le(): this {
    return this.#simd(0x4b);
  }
  /** `f64x2.ne`: per lane, all ones where a ≠ b (or either is NaN). */
  f64x2Ne(): this {
    return this.#simd(0x48);
  }
  /** `v128.and` */
  v128And(): this {
    return this.#simd(0x4e);
  }
  /** `v128.bitselect`: bits of a where c's are set, else of b (a, b, c). */
  v128Bitselect(): this {
    return this.#simd(0x52);
  }
  /** `f64x2.gt`: per lane, all ones where a > b. */
  f64x2Gt(): this {
    return this.#simd(0x4a);
  }
  /** `i64x2.add` */
  i64x2Add(): this {
    return this.#simd(0xce);
  }
  /** `v128.or` */
  v128Or(): this {
    return this.#simd(0x50);
  }
  /** `v128.any_true`: 1 if any bit is set, else 0. */
  v128AnyTrue(): this {
    return this.#simd(0x53);
  }
  /** `i8x16.shuffle`: byte i of the result is byte `lanes[i]` of a ‖ b. */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.#simd(0x0d).#op(...lanes);
  }
  /** `i16x8.extend_low_i8x16_u` (`high`: `…_high_…`): 8 bytes to u16s. */
  i16x8ExtendI8x16U(high: boolean): this {
    return this.#simd(high ? 0x8a : 0x89);
  }
  /** `i32x4.extend_low_i16x8_u` (`high`: `…_high_…`): 4 u16s to i32s. */
  i32x4ExtendI16x8U(high: boolean): this {
    return this.#simd(high ? 0xaa : 0xa9);
  }
  /** `i8x16.swizzle`: byte i of the result is byte b[i] of a (0 past 15). */
  i8x16Swizzle(): this {
    return this.#simd(0x0e);
  }
  /** `i8x16.splat` */
  i8x16Splat(): this {
    return this.#simd(0x0f);
  }
  /** `i8x16.add` */
  i8x16Add(): this {
    return this.#simd(0x6e);
  }
  /** `i32x4.splat` */
  i32x4Splat(): this {
    return this.#simd(0x11);
  }
  /** `i32x4.add` */
  i32x4Add(): this {
    return this.#simd(0xae);
  }
  /** `f64x2.convert_low_i32x4_u`: lanes 0 and 1, as unsigned, to f64. */
  f64x2ConvertLowI32x4U(): this {
    return this.#simd(0xff);
  }
  /** `v128.andnot`: a & ~b. */
  v128Andnot(): this {
    return this.#simd(0x4f);
  }
  /** `f64x2.splat` */
  f64x2Splat(): this {
    return this.#simd(0x14);
  }
  /** `f64x2.replace_lane` */
  f64x2ReplaceLane(lane: number): this {
    return this.#simd(0x22).#op(lane);
  }
  /** `i64x2.splat` */
  i64x2Splat(): this {
    return this.#simd(0x12);
  }
  /** `i64x2.replace_lane` */
  i64x2ReplaceLane(lane: number): this {
    return this.#simd(0x1e).#op(lane);
  }
  /** `i64x2.neg` */
  i64x2Neg(): this {
    return this.#simd(0xc1);
  }
  /** `i64x2.bitmask`: the lanes' sign bits, lane 0 in bit 0. */
  i64x2Bitmask(): this {
    return this.#simd(0xc4);
  }
  /** `f64x2.extract_lane` */
  f64x2ExtractLane(lane: number): this {
    return this.#simd(0x21).#op(lane);
  }
  /** `f32x4.extract_lane` */
  f32x4ExtractLane(lane: number): this {
    return this.#simd(0x1f).#op(lane);
  }
  /** `f32x4.add` */
  f32x4Add(): this {
    return this.#simd(0xe4);
  }
  /** `f32x4.sub` */
  f32x4Sub(): this {
    return this.#simd(0xe5);
  }
  /** `f32x4.neg` */
  f32x4Neg(): this {
    return this.#simd(0xe1);
  }
  /** `f32x4.splat` */
  f32x4Splat(): this {
    return this.#simd(0x13);
  }
  /** `f32x4.mul` */
  f32x4Mul(): this {
    return this.#simd(0xe6);
  }
  /** `f32x4.relaxed_madd` (a·b + c, fused or not). */
  f32x4RelaxedMadd(): this {
    return this.#simd(0x105);
  }
  /** `f64x2.add` */
  f64x2Add(): this {
    return this.#simd(0xf0);
  }
  /** `f64x2.neg` */
  f64x2Neg(): this {
    return this.#simd(0xed);
  }
  /** `f64x2.sub` */
  f64x2Sub(): this {
    return this.#simd(0xf1);
  }
  /** `f64x2.mul` */
  f64x2Mul(): this {
    return this.#simd(0xf2);
  }
  /**
   * `f64x2.relaxed_madd` (a·b + c, fused or not as the CPU prefers), from
   * the relaxed-SIMD extension.
   */
  f64x2RelaxedMadd(): this {
    return this.#simd(0x107);
  }
}

/**
 * The bytes of a module that imports `env.memory` (at least `minPages`
 * pages, default 1; with `maxPages`, a shared memory of at most that many
 * pages, as shared memories must declare a maximum) and exports `funcs`,
 * each under its name. With `minPages` equal to `maxPages` the memory
 * cannot grow, and V8 checks each load and store against a constant size
 * (see `SimdMemory`).
 */
export function wasmModule(
  funcs: Func[],
  maxPages?: number,
  minPages = 1,
): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]; // "\0asm", version 1
  const section = (id: number, content: number[]) => {
    out.push(id);
    uleb(content.length, out);
    append(out, content);
  };
  const vec = <T>(
    items: readonly T[],
    each: (item: T, to: number[]) => void,
  ) => {
    const to: number[] = [];
    uleb(items.length, to);
    for (const item of items) each(item, to);
    return to;
  };
  // 1 types: one per function, (params) → (results).
  section(
    1,
    vec(funcs, (f, to) => {
      to.push(0x60, ...vec(f.params, (t, v) => v.push(t)));
      to.push(...vec(f.results, (t, v) => v.push(t)));
    }),
  );
  // 2 imports: env.memory (kind 2) with its limits: flags (0 = minimum
  // only, 3 = shared with minimum and maximum), minimum, maximum.
  section(
    2,
    vec(["memory"], (field, to) => {
      name("env", to);
      name(field, to);
      to.push(0x02, maxPages === undefined ? 0x00 : 0x03);
      uleb(minPages, to);
      if (maxPages !== undefined) uleb(maxPages, to);
    }),
  );
  const indices = funcs.map((_, i) => i);
  // 3 functions: function i has type i.
  section(3, vec(indices, uleb));
  // 7 exports: each function under its name (kind 0 = function).
  section(
    7,
    vec(indices, (i, to) => {
      name(funcs[i].name, to);
      to.push(0x00);
      uleb(i, to);
    }),
  );
  // 10 code: each body prefixed by its size.
  section(
    10,
    vec(funcs, (f, to) => {
      const body = f.body((callee) => {
        const index = funcs.indexOf(callee);
        if (index < 0) {
          throw new RangeError(
            `wasmModule(): expected ${f.name}'s callee ${callee.name} among the functions but found it missing`,
          );
        }
        return index;
      });
      uleb(body.length, to);
      append(to, body);
    }),
  );
  return new Uint8Array(out);
}
