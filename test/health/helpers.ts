/** Small servers and ports for health check tests. */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StubServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** An HTTP server answering every request with `status`, or never answering when status is "hang". */
export async function stubServer(status: number | "hang"): Promise<StubServer> {
  const stub = { requests: 0 } as StubServer;
  const server = http.createServer((req, res) => {
    stub.requests += 1;
    if (status === "hang") return;
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ message: `stub ${status}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return stub;
}

export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
