/**
 * A minimal WebAssembly (2.0, SIMD) binary assembler: just what merkit's
 * kernels (motion/: TV-L1 iteration, 5×5 median, bicubic warp; learn/gemmWasm.ts;
 * nets/kernels/simd.ts) need, so they run as SIMD wasm built at load time with
 * no toolchain or package. Opcodes from the WebAssembly core spec 2.0.
 */

/** WebAssembly page size (bytes). */
const WASM_PAGE = 65536;

const uleb = (n: number): number[] => {
  const o: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n);
  return o;
};
const sleb = (n: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { o.push(b); return o; }
    o.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** Value types. */
export const WT = { i32: 0x7f, f64: 0x7c, v128: 0x7b, f32: 0x7d } as const;
const T_FUNC = 0x60, VOID_BLOCK = 0x40;
/** Instruction encoders (each returns its bytes). */
export const W = {
  block: () => [0x02, VOID_BLOCK], loop: () => [0x03, VOID_BLOCK], if: () => [0x04, VOID_BLOCK], end: () => [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)], brIf: (l: number) => [0x0d, ...uleb(l)],
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)], tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32add: () => [0x6a], i32sub: () => [0x6b], i32mul: () => [0x6c], i32ltS: () => [0x48], i32leS: () => [0x4c], i32gtS: () => [0x4a],
  f32load: (off = 0) => [0x2a, 2, ...uleb(off)], f32store: (off = 0) => [0x38, 2, ...uleb(off)],
  i32ltU: () => [0x49], i32and: () => [0x71], i32shl: () => [0x74], i32shrS: () => [0x75],
  i32store: (off = 0) => [0x36, 2, ...uleb(off)],
  f64: (v: number) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)],
  f64add: () => [0xa0], f64mul: () => [0xa2], f64floor: () => [0x9c],
  f64fromI32: () => [0xb7], f64fromF32: () => [0xbb], f32fromF64: () => [0xb6],
  /** i32.trunc_sat_f64_s */
  i32fromF64: () => [0xfc, 2],
  simd: (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm],
  /** v128.load / v128.store with a constant byte offset (alignment hint 1 byte). */
  load: (off = 0) => [0xfd, 0, 0, ...uleb(off)], store: (off = 0) => [0xfd, 11, 0, ...uleb(off)],
  /** two float32 → f64x2 (v128.load64_zero + f64x2.promote_low_f32x4) */
  loadF32x2: (off = 0) => [0xfd, 93, 0, ...uleb(off), 0xfd, 95],
  /** f64x2 → two float32 rounded to nearest (f32x4.demote_f64x2_zero + v128.store64_lane 0) */
  storeF32x2: (off = 0) => [0xfd, 94, 0xfd, 91, 0, ...uleb(off), 0],
  /** lane 0 only (f32x4.demote_f64x2_zero + v128.store32_lane 0) */
  storeF32x1: (off = 0) => [0xfd, 94, 0xfd, 90, 0, ...uleb(off), 0],
  /** v128.const 0 */
  v128zero: () => [0xfd, 12, ...new Array<number>(16).fill(0)],
  // --- added for the f32x4 network kernels (src/nets/kernels/simd.ts) ---
  f64load: (off = 0) => [0x2b, 3, ...uleb(off)], f64store: (off = 0) => [0x39, 3, ...uleb(off)],
  i32load: (off = 0) => [0x28, 2, ...uleb(off)],
  i32eqz: () => [0x45], i32ne: () => [0x47], i32geS: () => [0x4e],
  /** select (i32 operands: a b cond → cond ? a : b) */
  select: () => [0x1b],
  /** v128.load32_splat: one float32 (or i32) broadcast to four lanes */
  loadSplat32: (off = 0) => [0xfd, 9, 2, ...uleb(off)],
  /** v128.const of four int32 lanes */
  i32x4const: (a: number, b: number, c: number, d: number) => [0xfd, 12, ...new Uint8Array(new Int32Array([a, b, c, d]).buffer)],
  /** v128.const of four float32 lanes all equal to v */
  f32x4const: (v: number) => [0xfd, 12, ...new Uint8Array(new Float32Array([v, v, v, v]).buffer)],
  /** f32x4.extract_lane / i32x4.extract_lane */
  f32x4lane: (lane: number) => [0xfd, 31, lane], i32x4lane: (lane: number) => [0xfd, 27, lane],
  f32add: () => [0x92],
  i32xor: () => [0x73], i32shrU: () => [0x76], i32rotl: () => [0x77],
  f32: (v: number) => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)],
} as const;
/** SIMD sub-opcodes used. */
export const SIMD = {
  pmin32: 234, pmax32: 235, f64splat: 20, f64extract: 33,
  f64abs: 236, f64neg: 237, f64sqrt: 239, f64add: 240, f64sub: 241, f64mul: 242, f64div: 243,
  and: 78,
  // --- added for the f32x4 network kernels (src/nets/kernels/simd.ts) ---
  i32splat: 17, f32splat: 19, bitselect: 82, i32add: 174, i32mul: 181,
  f32gt: 68, f32add: 228, f32sub: 229, f32mul: 230, f32convertI32: 250,
  f32sqrt: 227, f32div: 231,
} as const;

export interface WasmFunc { name: string; params: number[]; results: number[]; locals: [number, number][]; body: number[] }

/** A module importing memory `m.mem` and exporting the given functions. */
export function wasmModule(funcs: WasmFunc[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(funcs.map((f) => [T_FUNC, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]))),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map((f) => {
      const code = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body, 0x0b];
      return [...uleb(code.length), ...code];
    }))),
  ]);
}

/**
 * Instantiate `bytes` over a fresh memory (or over `memory`, e.g. another
 * module's heap, so the kernels work on its data in place); null where wasm
 * (SIMD) is unavailable.
 */
export function instantiateWasm(bytes: Uint8Array<ArrayBuffer>, memory?: WebAssembly.Memory): { mem: WebAssembly.Memory; exports: WebAssembly.Exports } | null {
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
    const mem = memory ?? new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem } });
    return { mem, exports: inst.exports };
  } catch {
    return null;
  }
}

/**
 * Grow `mem` to at least `bytes` (views on it made earlier are then stale).
 * Returns false when it cannot (past wasm's 4 GiB or out of memory): the
 * caller then uses its JavaScript path.
 */
export function ensureWasmMemory(mem: WebAssembly.Memory, bytes: number): boolean {
  const have = mem.buffer.byteLength;
  if (have >= bytes) return true;
  try {
    mem.grow(Math.ceil((bytes - have) / WASM_PAGE));
    return true;
  } catch {
    return false;
  }
}

