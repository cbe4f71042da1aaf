// A TCP proxy the tests control, for network faults between a client and a real server: it counts the bytes it
// forwards to the client, can limit their rate (shared by all connections, like one slow link), cut every
// connection after some bytes and refuse new ones until healed, stall one connection, or flip one byte.
// Faults act on the server-to-client direction, where pulled blobs flow, except cutUpAfter, which cuts the
// client-to-server direction, where pushed blobs flow; offsets count from the call that sets them.
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const BURST_MS = 50;

export type TcpProxy = {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port> */
  host: string;
  /** Bytes forwarded to clients since start or the last resetCounters(). */
  readonly bytesDown: number;
  /** Bytes forwarded to the server since start or the last resetCounters(). */
  readonly bytesUp: number;
  readonly faults: { cuts: number; stalls: number; corruptions: number; refused: number };
  resetCounters: () => void;
  /** Limits the total rate to clients (bytes per second); undefined lifts it. */
  setRate: (bytesPerSecond: number | undefined) => void;
  /** After n more bytes every connection is cut and new ones are refused, until heal(). */
  cutAfter: (n: number) => void;
  /** After n more bytes towards the server, the connection carrying them is cut (new ones are accepted). Once. */
  cutUpAfter: (n: number) => void;
  /** The connection carrying the byte n bytes from now stops forwarding (it stays open, silent). Once. */
  stallAfter: (n: number) => void;
  /** Flips the byte n bytes from now. Once. */
  corruptAfter: (n: number) => void;
  /** Resolves once bytesDown reaches n. */
  whenBytes: (n: number) => Promise<void>;
  /** Clears every pending fault and accepts connections again. */
  heal: () => void;
  close: () => Promise<void>;
};

export async function startTcpProxy(target: string | { host: string; port: number }): Promise<TcpProxy> {
  const to = typeof target === 'string' ? new URL(target) : undefined;
  const upstreamHost = to ? to.hostname : (target as { host: string }).host;
  const upstreamPort = to ? Number(to.port) : (target as { port: number }).port;

  let bytesDown = 0;
  let bytesUp = 0;
  let cutUpAt: number | undefined;
  let rate: number | undefined;
  let nextFree = 0; // the shaped link's virtual clock (ms): when it is free to send again
  let refusing = false;
  let cutAt: number | undefined;
  let stallAt: number | undefined;
  let corruptAt: number | undefined;
  const faults = { cuts: 0, stalls: 0, corruptions: 0, refused: 0 };
  const sockets = new Set<net.Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];

  const destroyAll = () => {
    for (const s of sockets) s.destroy();
  };

  const notify = () => {
    for (const w of [...waiters]) {
      if (bytesDown >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  /**
   * Waits for the shaped link: each chunk takes its time at the configured rate, whichever connection sends it.
   * A sender that fell behind (timers wake late) may catch up by BURST_MS, so the average is the rate itself.
   */
  const pace = async (n: number) => {
    if (!rate) return;
    const now = performance.now();
    const start = Math.max(now - BURST_MS, nextFree);
    nextFree = start + (n / rate) * 1000;
    if (start - now >= 1) await sleep(start - now);
  };

  async function pump(up: net.Socket, down: net.Socket): Promise<void> {
    for await (const data of up) {
      let chunk = data as Buffer;
      const from = bytesDown;
      const to = from + chunk.length;
      let stall = false;
      let cut = false;
      if (corruptAt !== undefined && corruptAt >= from && corruptAt < to) {
        chunk = Buffer.from(chunk);
        chunk[corruptAt - from]! ^= 0xff;
        corruptAt = undefined;
        faults.corruptions++;
      }
      if (stallAt !== undefined && stallAt >= from && stallAt < to) {
        chunk = chunk.subarray(0, stallAt - from);
        stallAt = undefined;
        stall = true;
        faults.stalls++;
      }
      if (cutAt !== undefined && cutAt >= from && cutAt < to) {
        chunk = chunk.subarray(0, cutAt - from);
        cutAt = undefined;
        cut = true;
        faults.cuts++;
      }
      bytesDown += chunk.length; // counted before the pacing wait, so concurrent connections see the offsets
      await pace(chunk.length);
      if (down.destroyed) return;
      if (chunk.length && !down.write(chunk)) await once(down, 'drain');
      notify();
      if (cut) {
        refusing = true;
        await new Promise<void>((resolve) => down.end(resolve));
        destroyAll();
        return;
      }
      if (stall) {
        up.pause();
        await once(down, 'close'); // silent until the client gives up on it
        return;
      }
    }
    down.end();
  }

  /** Client to server: counted, and cut once where cutUpAfter says. */
  async function pumpUp(client: net.Socket, upstream: net.Socket): Promise<void> {
    for await (const data of client) {
      let chunk = data as Buffer;
      const from = bytesUp;
      let cut = false;
      if (cutUpAt !== undefined && cutUpAt >= from && cutUpAt < from + chunk.length) {
        chunk = chunk.subarray(0, cutUpAt - from);
        cutUpAt = undefined;
        cut = true;
        faults.cuts++;
      }
      bytesUp += chunk.length;
      if (upstream.destroyed) return;
      if (chunk.length && !upstream.write(chunk)) await once(upstream, 'drain');
      if (cut) {
        client.destroy();
        upstream.destroy();
        return;
      }
    }
    upstream.end();
  }

  const server = net.createServer((client) => {
    if (refusing) {
      faults.refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(upstreamPort, upstreamHost);
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', () => {
      if (!client.writableEnded) client.end();
    });
    pumpUp(client, upstream).catch(close);
    pump(upstream, client).catch(close);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    get bytesDown() {
      return bytesDown;
    },
    get bytesUp() {
      return bytesUp;
    },
    faults,
    resetCounters: () => {
      bytesDown = 0;
      bytesUp = 0;
      for (const k of Object.keys(faults) as (keyof typeof faults)[]) faults[k] = 0;
    },
    setRate: (r) => {
      rate = r;
      nextFree = 0;
    },
    cutAfter: (n) => {
      cutAt = bytesDown + n;
    },
    cutUpAfter: (n) => {
      cutUpAt = bytesUp + n;
    },
    stallAfter: (n) => {
      stallAt = bytesDown + n;
    },
    corruptAfter: (n) => {
      corruptAt = bytesDown + n;
    },
    whenBytes: (n) =>
      bytesDown >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    heal: () => {
      refusing = false;
      cutAt = stallAt = corruptAt = cutUpAt = undefined;
    },
    close: async () => {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
