// A test written against the library API, with node:test (vitest works the same way).
// Run it: node --import tsx --test examples/home.test.ts   (in your project: from 'smarthome-bridge')
import { test } from 'node:test';
import { startHome } from '../src/index.js';

test('the Android aircon toggle switches the aircon on', async () => {
  const home = await startHome(); // the emulated home, an embedded broker, the bridge; virtual time
  try {
    await home.send('012255022', { topic: 'webos/smarthome' });
    await home.expectMessage({ topic: 'webos/report/smarthome/info', fields: { command: 'ack', status: '012000000' } });
    await home.press('aircon'); // held for the configured second: toggles the aircon off again
    await home.expectStatus('002000000', { within: '2s' });
  } finally {
    await home.close();
  }
});
