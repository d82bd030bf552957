/**
 * A pickle reader (Python's pickle protocols 2–5, the opcodes torch.save
 * writes), for PyTorch checkpoints (src/nets/pth.ts). It only builds data:
 * dicts become Maps, lists arrays, tuples arrays, and a global is never
 * executed — calling one gives what the caller's `call` hook returns, by
 * default a dict for collections.OrderedDict / dict and an inert PyObject for
 * anything else, so a stream with extra metadata still reads through.
 */
import { MerError } from '../core/errors.ts';

/** A global (module.name) named by the stream: never imported or executed. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object the VM does not model (kept so the stream stays consistent). */
export class PyObject {
  state: unknown;
  constructor(
    readonly cls: PyGlobal,
    readonly args: unknown[],
  ) {}
}

const MARK = Symbol('mark');

export interface PickleResult {
  value: unknown;
  /** byte offset just after STOP */
  end: number;
}

/** The default result of calling a global: dict types → an empty or filled Map, anything else → an inert PyObject. */
export function defaultCall(fn: PyGlobal, args: readonly unknown[]): unknown {
  switch (fn.qualified) {
    case 'collections.OrderedDict':
    case 'builtins.dict':
    case '__builtin__.dict':
      return new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []);
    default:
      return new PyObject(fn, [...args]);
  }
}

/**
 * Run one pickle starting at `pos`. `persistentLoad` turns a persistent id
 * (BINPERSID) into a value; `call` builds the result of calling a global
 * (REDUCE, NEWOBJ, NEWOBJ_EX), by default `defaultCall`.
 */
export function unpickle(
  buf: Uint8Array,
  pos: number,
  file: string,
  persistentLoad: (pid: unknown) => unknown,
  call: (fn: PyGlobal, args: readonly unknown[], file: string) => unknown = defaultCall,
): PickleResult {
  const callGlobal = (fn: unknown, args: readonly unknown[], file: string): unknown =>
    fn instanceof PyGlobal ? call(fn, args, file) : new PyObject(new PyGlobal('?', '?'), [...args]);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dec = new TextDecoder('utf-8');
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = pos;
  const need = (n: number) => {
    if (p + n > buf.length) throw new MerError('BAD_INPUT', `truncated pickle at byte ${p}`, { file, expected: `${n} more bytes` });
  };
  const u8 = () => (need(1), buf[p++]);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), view.getInt32(p - 4, true));
  const u64 = () => (need(8), (p += 8), Number(view.getBigUint64(p - 8, true)));
  const bytes = (n: number) => (need(n), (p += n), buf.subarray(p - n, p));
  const line = () => {
    const start = p;
    while (p < buf.length && buf[p] !== 0x0a) p++;
    if (p >= buf.length) throw new MerError('BAD_INPUT', 'truncated pickle (unterminated line)', { file });
    return dec.decode(buf.subarray(start, p++));
  };
  const popMark = (): unknown[] => {
    for (let k = stack.length - 1; k >= 0; k--) {
      if (stack[k] === MARK) {
        const items = stack.slice(k + 1);
        stack.length = k;
        return items;
      }
    }
    throw new MerError('BAD_INPUT', 'corrupt pickle: no MARK on the stack', { file });
  };
  const pop = () => {
    if (stack.length === 0) throw new MerError('BAD_INPUT', 'corrupt pickle: stack underflow', { file });
    return stack.pop();
  };
  const top = () => stack[stack.length - 1];
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) throw new MerError('BAD_INPUT', 'corrupt pickle: SETITEM on a non-dict', { file });
    for (let k = 0; k + 1 < items.length; k += 2) d.set(items[k], items[k + 1]);
  };
  const appendItems = (l: unknown, items: unknown[]) => {
    if (Array.isArray(l)) l.push(...items);
    else if (l instanceof PyObject) l.state = [...(Array.isArray(l.state) ? l.state : []), ...items];
    else throw new MerError('BAD_INPUT', 'corrupt pickle: APPEND on a non-list', { file });
  };
  const readLong = (n: number): number | bigint => {
    const b = bytes(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x58: // BINUNICODE
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(dec.decode(bytes(u64())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()));
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(readLong(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(readLong(u32()));
        break;
      case 0x49: {
        // INT (text): also encodes True/False as I01/I00
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseInt(s, 10));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseInt(line().replace(/L$/, ''), 10));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (s instanceof Set) for (const it of items) s.add(it);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(new PyGlobal(String(module), String(name)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, Array.isArray(args) ? args : [], file));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, Array.isArray(args) ? args : [], file));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, Array.isArray(args) ? args : [], file));
        break;
      }
      case 0x62: {
        // BUILD: set state; Maps (OrderedDict) keep their items, state is metadata
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistentLoad(line()));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, u8(), file));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, u32(), file));
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(memo, parseInt(line(), 10), file));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT (text)
        memo.set(parseInt(line(), 10), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new MerError('UNSUPPORTED', `pickle opcode 0x${op.toString(16)} at byte ${p - 1} is not supported`, {
          file,
          expected: 'a PyTorch checkpoint (pickle protocol 2–5)',
        });
    }
  }
}

function memoGet(memo: Map<number, unknown>, k: number, file: string): unknown {
  if (!memo.has(k)) throw new MerError('BAD_INPUT', `corrupt pickle: memo entry ${k} missing`, { file });
  return memo.get(k);
}
