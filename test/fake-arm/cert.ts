import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface ServerCertificate {
  /** PEM private key of the server. */
  keyPem: string;
  /** PEM certificate; self-signed, so it is also the CA clients must trust. */
  certPem: string;
  /** Absolute path of a file holding `certPem`, for `NODE_EXTRA_CA_CERTS`. */
  caFile: string;
  /** Removes the temporary directory holding `caFile`. */
  dispose(): Promise<void>;
}

/**
 * Makes a fresh self-signed certificate for 127.0.0.1 / localhost and writes it to
 * `<tmp>/fake-arm-XXXXXX/ca.pem`.
 */
export async function createServerCertificate(): Promise<ServerCertificate> {
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: "aml-preflight fake ARM" }], {
    // EC keys generate in milliseconds; RSA-2048 would slow every test start.
    keyType: "ec",
    curve: "P-256",
    // selfsigned defaults to SHA-1, which OpenSSL 3 rejects at its default security level.
    algorithm: "sha256",
    // Backdated an hour so clock skew between processes cannot make it "not yet valid".
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 30 * 86_400_000),
    extensions: [
      // The certificate is its own trust anchor: mark it a CA that may sign certificates,
      // otherwise OpenSSL does not treat it as self-issued.
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), "fake-arm-"));
  const caFile = join(dir, "ca.pem");
  await writeFile(caFile, pems.cert, { mode: 0o644 });
  return {
    keyPem: pems.private,
    certPem: pems.cert,
    caFile,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
