// Runs the selfsup WebAssembly module in Node.js and prints what it wrote: the same lines as
// the host test and the QEMU firmware.
//
//   node examples/wasm/run.mjs [ring|wide|exported_mlp] [path/to/selfsup_wasm.wasm]
//
// Fails (exit 1) if the module imports anything (it must run with an empty import object) or
// if the run reports an error.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const which = process.argv[2] ?? "ring";
const path = process.argv[3] ?? join(here, "target/wasm32-unknown-unknown/release/selfsup_wasm.wasm");

const module = await WebAssembly.compile(readFileSync(path));
const imports = WebAssembly.Module.imports(module);
if (imports.length !== 0) {
  console.error(`${path}: the module imports ${JSON.stringify(imports)}; it must import nothing`);
  process.exit(1);
}
const instance = await WebAssembly.instantiate(module, {});
const run = instance.exports[`run_${which}`];
if (typeof run !== "function") {
  console.error(`unknown run '${which}': use ring, wide or exported_mlp`);
  process.exit(2);
}
const len = run();
if (len === 0) {
  console.error(`run_${which} failed (output did not fit)`);
  process.exit(1);
}
const ptr = instance.exports.output_ptr();
const text = new TextDecoder().decode(new Uint8Array(instance.exports.memory.buffer, ptr, len));
process.stdout.write(text);
