import { createServer, connect, type Server, type Socket } from 'node:net';
import { MongoNetworkError } from 'mongodb';
import { guardDriverSocketWrites } from '../src/driver-socket-guard';

/**
 * The driver's own Connection over a real socket (a plain TCP server stands for the store: the
 * write never reaches a reply). Without the guard both commands below wait forever.
 */
// Internal driver modules, as the guard patches them.
const { Connection } = require('mongodb/lib/cmap/connection') as { Connection: new (socket: Socket, options: object) => DriverConnection };
const { HostAddress, ns } = require('mongodb/lib/utils') as { HostAddress: { fromString(address: string): unknown }; ns(namespace: string): unknown };
interface DriverConnection {
  command(namespace: unknown, command: object, options: object): Promise<unknown>;
  closed: boolean;
}

let server: Server;
let port: number;
const accepted = new Set<Socket>();
beforeAll(async () => {
  server = createServer((socket) => accepted.add(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  expect(guardDriverSocketWrites()).toBe(true);
});
afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function driverConnection(socketOptions: { writableHighWaterMark?: number } = {}) {
  const socket = connect({ port, host: '127.0.0.1', ...socketOptions });
  await new Promise((resolve) => socket.once('connect', resolve));
  const connection = new Connection(socket, { id: 7, generation: 0, hostAddress: HostAddress.fromString(`127.0.0.1:${port}`) });
  return { socket, connection };
}

/** The command's outcome, or 'still waiting' after a second (what the unguarded driver does forever). */
const within = (promise: Promise<unknown>, ms = 1_000) =>
  Promise.race([promise.then(() => 'answered', (error: unknown) => error), new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('guardDriverSocketWrites', () => {
  it('fails a command written to a socket Node already destroyed, as a network error', async () => {
    const { socket, connection } = await driverConnection();
    socket.destroy(); // what Node does itself when the restarting store ends the connection
    const outcome = await within(connection.command(ns('admin.$cmd'), { ping: 1 }, {}));
    expect(outcome).toBeInstanceOf(MongoNetworkError);
    expect((outcome as Error).message).toBe(`connection 7 to 127.0.0.1:${port} closed`);
    expect(connection.closed).toBe(true);
  });

  it('fails a write waiting for drain when the socket closes without an error', async () => {
    // A high-water mark of 1 byte: every write waits for 'drain'; the socket is destroyed meanwhile.
    const { socket, connection } = await driverConnection({ writableHighWaterMark: 1 });
    const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
    (socket as unknown as { write: (chunk: Buffer) => boolean }).write = (chunk: Buffer) => {
      const flushed = write(chunk);
      socket.destroy();
      return flushed;
    };
    const outcome = await within(connection.command(ns('admin.$cmd'), { ping: 1 }, {}));
    expect(outcome).toBeInstanceOf(MongoNetworkError);
    expect(connection.closed).toBe(true);
  });

  it('is installed once, whatever the number of connects', () => {
    const { Connection: Patched } = require('mongodb/lib/cmap/connection') as { Connection: { prototype: { writeCommand: unknown } } };
    const guarded = Patched.prototype.writeCommand;
    expect(guardDriverSocketWrites()).toBe(true);
    expect(Patched.prototype.writeCommand).toBe(guarded);
  });
});
