import { createServer, type Server } from 'node:net';

/** A TCP port on loopback that nothing listens on right now. */
export const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });

/**
 * `count` distinct free ports: all are held open together, then released. Separate freePort
 * calls may get the same port back from the kernel (it was free again once closed), and two
 * processes of one stack then fight for it (EADDRINUSE, seen in CI).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((done, fail) => {
          const server = createServer().listen(0, '127.0.0.1', () => done(server));
          server.on('error', fail);
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
  return ports;
}
