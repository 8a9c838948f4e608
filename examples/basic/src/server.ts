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
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  if (req.method !== "GET") {
    send(res, 405, { error: "method not allowed" });
  } else if (path === "/") {
    send(res, 200, { message: "Hello from a two-stage build" });
  } else if (path === "/health") {
    send(res, 200, { status: "ok", uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  } else if (path === "/slow") {
    // A request that takes a while (at most 30 s), to show that `docker stop` lets it finish.
    const asked = Number(url.searchParams.get("seconds") ?? 2);
    const seconds = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), 30) : 2;
    setTimeout(() => send(res, 200, { slept: seconds }), seconds * 1000);
  } else {
    send(res, 404, { error: "not found" });
  }
}

const server = createServer(handle);

server.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// As PID 1 in a container, node gets no default SIGTERM action: handle it, or `docker stop`
// waits 10 s and kills the process (exit 137). close() stops accepting connections and calls
// back once the requests in flight are answered, so a slow request still gets its answer.
function shutdown(signal: NodeJS.Signals): void {
  console.log(`${signal} received, closing the server`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}

process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
