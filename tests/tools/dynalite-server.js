// Starts dynalite in memory on 127.0.0.1 on a port the system picks (no
// window between finding a free port and taking it: a test run beside
// others could lose it) and prints "PORT <n>" once it listens; exits on
// SIGTERM/SIGINT. Usage: node dynalite-server.js (tests/tools/dynalite.c).
'use strict';
const path = require('path');
const dynalite = require(path.join(__dirname, '..', 'node_modules', 'dynalite'));

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
// the reader closes the pipe after the first line: later writes must not kill us
process.stdout.on('error', () => {});
server.on('error', (e) => {
  console.error('dynalite failed to start:', e.message);
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write('PORT ' + server.address().port + '\n');
});
const stop = () => { server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
