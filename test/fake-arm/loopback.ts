// What the project's fake servers (ARM, the package index) share: an HTTPS server on 127.0.0.1 with
// a fresh certificate that can be stopped at once, delays that a close cancels, scenario files read as
// JSON, and the command-line wrapper that prints one ready line and serves until SIGTERM/SIGINT.

import { realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { pathToFileURL } from "node:url";
import type { ServerCertificate } from "./cert.js";

export interface LoopbackServer {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** Stops listening and drops every open connection (clients see a reset, never a hang). */
  stop(): Promise<void>;
}

export async function listenOnLoopback(
  certificate: ServerCertificate,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ key: certificate.keyPem, cert: certificate.certPem }, handle);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // Longer than any client's idle timeout, so a pooled connection is never closed under a request.
  server.keepAliveTimeout = 65_000;
  // A client that aborts its handshake is not the server's problem.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}

/** Answers after `ms`, unless the server closes first (then never, so nothing writes after close). */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.add(timer);
    });
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}

/** A scenario file's JSON, with errors that say which file and what is wrong. */
export async function readScenarioJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read scenario ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`scenario ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Runs a fake as a command when `moduleUrl` is the script node was started with: prints the ready
 * line once listening, serves until SIGTERM/SIGINT; a bad argument or scenario exits 2 with one line.
 */
export function serveAsCommand(
  name: string,
  moduleUrl: string,
  start: () => Promise<{ readyLine: string; close(): Promise<void> }>,
): void {
  const script = process.argv[1];
  let isEntryPoint: boolean;
  try {
    isEntryPoint = script !== undefined && moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    isEntryPoint = false;
  }
  if (!isEntryPoint) return;
  void (async () => {
    let started: { readyLine: string; close(): Promise<void> };
    try {
      started = await start();
    } catch (error) {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exit(2);
    }
    const stop = () => {
      void started.close().then(() => process.exit(0));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.stdout.write(`${started.readyLine}\n`);
  })();
}
