#!/usr/bin/env node
// The floor of issue 16: the least a Node client can do. `floor-client.cjs <socket> <profile>`
// connects, sends one request line, prints the answer line and exits: no validation, no caller
// claim, no argument parsing. Run through its `#!` line, as the helper is; CommonJS, as the
// helper's bundle is.
/* global process */
'use strict';
const socket = process.getBuiltinModule('node:net').createConnection(process.argv[2]);
socket.on('connect', () => socket.write(`{"v":1,"id":"floor","op":"credentials","profile":"${process.argv[3]}"}\n`));
socket.on('data', (chunk) => {
  process.getBuiltinModule('node:fs').writeSync(1, chunk);
  process.exit(0);
});
