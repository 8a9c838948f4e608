// A tiny HTTP server on Node's standard library: GET /health answers "ok".
import http from "node:http";

const server = http.createServer((request, response) => {
  if (request.method === "GET" && request.url === "/health") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("ok\n");
    return;
  }
  response.writeHead(404).end();
});

server.listen(3000);
// docker stop sends SIGTERM: stop accepting connections, then exit 0.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
