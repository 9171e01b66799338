import { createServer } from 'node:net';
import { freePorts } from '../src/free-port';

test('freePorts gives distinct loopback ports that a server can then listen on', async () => {
  const ports = await freePorts(8);
  expect(new Set(ports).size).toBe(8);
  const servers = await Promise.all(
    ports.map(
      (port) =>
        new Promise<ReturnType<typeof createServer>>((done, fail) => {
          const server = createServer().listen(port, '127.0.0.1', () => done(server));
          server.on('error', fail);
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
});
