// A tiny HTTP server with no runtime dependencies: once compiled, dist/ alone runs it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

const port = Number(process.env.PORT ?? 3000);
const startedAt = Date.now();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method !== "GET") {
    send(res, 405, { error: "method not allowed" });
  } else if (path === "/") {
    send(res, 200, { message: "Hello from a two-stage build" });
  } else if (path === "/health") {
    send(res, 200, { status: "ok", uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  } else {
    send(res, 404, { error: "not found" });
  }
}

const server = createServer(handle);

server.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// As PID 1 in a container, node gets no default SIGTERM action: handle it, or `docker stop`
// waits 10 s and kills the process (exit 137).
function shutdown(signal: NodeJS.Signals): void {
  console.log(`${signal} received, closing the server`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}

process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
