// Starts local-aws-sqs (SQS JSON 1.0 protocol, redrive) on 127.0.0.1 on a
// free port for the tests; writes the port to the file given as argv[2]
// once it listens; exits on SIGTERM/SIGINT. Usage: node sqs-server.js PORTFILE
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const { createSqsServer } = require(path.join(__dirname, '..', 'node_modules', 'local-aws-sqs'));

const portFile = process.argv[2];
if (!portFile) {
  console.error('usage: node sqs-server.js PORTFILE');
  process.exit(2);
}

// Find a free port (bind 0, read it, release it), then start the server there:
// local-aws-sqs builds queue URLs from the port it was given.
const probe = net.createServer();
probe.listen(0, '127.0.0.1', () => {
  const port = probe.address().port;
  probe.close(async () => {
    try {
      const server = await createSqsServer({
        port,
        hostname: '127.0.0.1',
        emulateQueueCreationLifecycle: false,
      });
      const stop = () => { server.close(); process.exit(0); };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      fs.writeFileSync(portFile + '.tmp', String(port));
      fs.renameSync(portFile + '.tmp', portFile);
    } catch (e) {
      console.error('local-aws-sqs failed to start:', e);
      process.exit(1);
    }
  });
});
