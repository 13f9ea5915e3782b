#!/usr/bin/env node
// Prepended (--extern-pre-js) to the programs `make wasm` builds, so that they run as commands under node:
// - the C program's getenv() sees node's environment (emscripten's default is a fixed one);
// - emscripten 3.1.6 loads the .wasm with fetch() whenever that exists, which node >= 18 has but cannot use on a
//   file path: hide it, so the loader reads the file from disk.
var fetch = undefined; // eslint-disable-line no-unused-vars
var Module = typeof Module !== 'undefined' ? Module : {}; // eslint-disable-line no-use-before-define
(Module.preRun = Module.preRun || []).push(function () {
  if (typeof ENV !== 'undefined') Object.assign(ENV, process.env); // eslint-disable-line no-undef
});
