// Footprint of the selfsup WebAssembly module (examples/wasm) for scripts/footprint.sh: prints
// one line "code C data D static S state - step - peak P" (bytes), where
//   C = the code section, D = the data section (initialized statics: read-only data included),
//   S = the statics in linear memory (from the start of the data to `__heap_base`: data + bss),
//   P = the peak of the shadow stack in linear memory during one call of `run_<which>`, measured
//       by stack painting: the stack region is filled with 0xCC bytes before the call and the
//       lowest overwritten word is found after it.
// The shadow stack holds what LLVM cannot keep in wasm locals (the trainer, arrays, anything
// whose address is taken); wasm locals and call frames live in the engine's own stack, which a
// module cannot see, so P is a lower bound on the memory a call needs beyond its statics.
//
//   node scripts/wasm_footprint.mjs [ring|wide|anomaly] path/to/selfsup_wasm.wasm
import { readFileSync } from "node:fs";

const which = process.argv[2] ?? "ring";
const bytes = readFileSync(process.argv[3]);

function uleb(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, pos];
}
function sleb32(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 32 && (b & 0x40)) result |= -1 << shift;
  return [result, pos];
}

// Sections: sizes of code (10) and data (11); the first mutable i32 global (6) is LLVM's
// `__stack_pointer`, its initial value the top of the stack; the data segments' lowest offset.
let pos = 8, code = 0, data = 0, sp = null, dataStart = Infinity;
while (pos < bytes.length) {
  const id = bytes[pos];
  let size;
  [size, pos] = uleb(bytes, pos + 1);
  const end = pos + size;
  if (id === 10) code = size;
  if (id === 11) {
    data = size;
    let n, p = pos;
    [n, p] = uleb(bytes, p);
    for (let i = 0; i < n; i++) {
      let flags, off, len;
      [flags, p] = uleb(bytes, p);
      if (flags !== 0 || bytes[p] !== 0x41) throw new Error("unexpected data segment form");
      [off, p] = sleb32(bytes, p + 1);
      p += 1; // end
      [len, p] = uleb(bytes, p);
      dataStart = Math.min(dataStart, off);
      p += len;
    }
  }
  if (id === 6 && sp === null) {
    let n, p = pos;
    [n, p] = uleb(bytes, p);
    for (let i = 0; i < n && sp === null; i++) {
      const type = bytes[p], mut = bytes[p + 1];
      if (bytes[p + 2] !== 0x41) throw new Error("unexpected global initializer");
      let v;
      [v, p] = sleb32(bytes, p + 3);
      p += 1; // end
      if (type === 0x7f && mut === 1) sp = v;
    }
  }
  pos = end;
}
if (sp === null) throw new Error("no __stack_pointer global");

const { instance } = await WebAssembly.instantiate(bytes, {});
const heapBase = instance.exports.__heap_base?.value;
if (heapBase === undefined) throw new Error("the module does not export __heap_base");
// The stack lies below the data (`--stack-first`, rustc's layout for wasm32) or between the
// data's end and the heap.
const stackLo = sp <= dataStart ? 0 : instance.exports.__data_end.value;
const mem = new Uint8Array(instance.exports.memory.buffer);
mem.fill(0xcc, stackLo, sp);
const run = instance.exports[`run_${which}`];
if (typeof run !== "function" || run() === 0) throw new Error(`run_${which} failed`);
const after = new Uint8Array(instance.exports.memory.buffer);
let low = stackLo;
while (low < sp && after[low] === 0xcc && after[low + 1] === 0xcc && after[low + 2] === 0xcc && after[low + 3] === 0xcc) low += 4;
// Statics: data then bss, up to `__heap_base` (stack first) or `__data_end` (stack after them).
const statics = (sp <= dataStart ? heapBase : instance.exports.__data_end.value) - dataStart;
console.log(`code ${code} data ${data} static ${statics} state - step - peak ${sp - low} sp ${sp} data_start ${dataStart} heap_base ${heapBase}`);
