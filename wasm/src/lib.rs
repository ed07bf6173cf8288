//! WebAssembly bindings of `upkit-core`: decode JS input, call the core, convert the result.
