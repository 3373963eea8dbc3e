/**
 * A throwaway TLS certificate for loopback test servers (Key Vault stand-in, telemetry sink).
 * EC P-256 because it generates in milliseconds; valid for 127.0.0.1 and localhost only.
 */
import https from "node:https";
import { generate } from "selfsigned";

export interface LoopbackCertificate {
  /** PEM certificate; clients trust it directly as their CA. */
  cert: string;
  /** PEM private key. */
  key: string;
}

export async function generateLoopbackCertificate(): Promise<LoopbackCertificate> {
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 2 * 24 * 3_600_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

export interface LoopbackHttpsServer {
  server: https.Server;
  port: number;
  /** PEM of the server's certificate (what clients trust). */
  cert: string;
}

/** An HTTPS server on 127.0.0.1 with a fresh certificate, listening on a free port. */
export async function listenHttpsOnLoopback(): Promise<LoopbackHttpsServer> {
  const { cert, key } = await generateLoopbackCertificate();
  const server = https.createServer({ cert, key });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, port: (server.address() as { port: number }).port, cert };
}
