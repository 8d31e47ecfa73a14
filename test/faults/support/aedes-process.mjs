// A broker process for fault tests: aedes on 127.0.0.1:<port> (argv[2], 0 = any), so a test can
// SIGKILL it and start it again on the same port. Prints "listening <port>" when ready.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
