/**
 * A throwaway TLS certificate for loopback test servers (Key Vault stand-in, telemetry sink).
 * EC P-256 because it generates in milliseconds; valid for 127.0.0.1 and localhost only.
 */
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
