// Starts local-aws-sqs (SQS JSON 1.0 protocol, redrive) on 127.0.0.1 on a
// free port for the tests; writes the port to the file given as argv[2]
// once it listens; exits on SIGTERM/SIGINT. Usage: node sqs-server.js PORTFILE
'use strict';
const fs = require('fs');
const path = require('path');
const { createSqsServer } = require(path.join(__dirname, '..', 'node_modules', 'local-aws-sqs'));

const portFile = process.argv[2];
if (!portFile) {
  console.error('usage: node sqs-server.js PORTFILE');
  process.exit(2);
}

// Port 0: the system picks a free one as the server starts listening (no
// window in which a test running at the same time could take a port found
// free); local-aws-sqs reads the port back before it builds queue URLs.
(async () => {
  try {
    const server = await createSqsServer({
      port: 0,
      hostname: '127.0.0.1',
      emulateQueueCreationLifecycle: false,
    });
    const port = server.address().port;
    const stop = () => { server.close(); process.exit(0); };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    fs.writeFileSync(portFile + '.tmp', String(port));
    fs.renameSync(portFile + '.tmp', portFile);
  } catch (e) {
    console.error('local-aws-sqs failed to start:', e);
    process.exit(1);
  }
})();
